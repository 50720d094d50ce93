package totp

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/authkit/authkit/app"
	sharedtotp "github.com/authkit/authkit/shared/totp"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// card is app.Card under a lower-case name, so go-app never resets it
// (see app/page.go).
type card = app.Card

// section is the profile's "Two-factor authentication" card. It moves
// between four states: off (a button to set up an app), setting up (the
// QR code, the secret as text, and a form for the first code), showing
// new recovery codes (once, with copy and download), and on (how many
// recovery codes are left, new ones, and turning it off). Its sensitive
// actions ask for the password again when the session is not recent
// (app.Reauth). Its base keeps User current (another card may add a
// passkey, which the dialog then offers).
type section struct {
	card
	calls client

	status  *sharedtotp.StatusResponse
	loadErr error

	pending *sharedtotp.SetupResponse // the app being set up
	codes   []string                  // new recovery codes, shown once
	form    app.Form                  // the first code of the app being set up
	action  app.Form                  // the section's buttons: their notice and busy state
	acting  string                    // which button runs: "setup", "codes" or "off"
	turnOff bool                      // the confirmation of turning it off shows
	reauth  app.Reauth
}

func newSection(api *app.Client) *section {
	return &section{card: app.NewCard(api, "/profile"), calls: client{api}, form: app.NewForm("code").WithIDPrefix("totp-"), reauth: app.NewReauth("totp-reauth")}
}

// OnMount loads the state once the profile shows the section.
func (s *section) OnMount(ctx goapp.Context) {
	s.card.OnMount(ctx)
	s.load(ctx, false)
}

// OnDismount lets a new release reload the page again: the codes left
// with the card.
func (s *section) OnDismount() { app.HoldReload(recoveryCodesShown, false) }

// load reads the state; retried when the card's Try again asks (see
// app.Page.Retried).
func (s *section) load(ctx goapp.Context, retried bool) {
	s.loadErr = nil
	s.Background(ctx, func() func(goapp.Context) {
		user, err := s.API.CurrentUser(ctx)
		var st sharedtotp.StatusResponse
		if err == nil {
			st, err = s.calls.status(ctx)
		}
		return func(goapp.Context) {
			if retried {
				s.Retried(err, "totp-retry", "totp-heading")
			}
			if err != nil {
				s.loadErr = err
				return
			}
			s.User, s.status = &user, &st
		}
	})
}

func (s *section) Render() goapp.UI {
	var body goapp.UI
	switch {
	case s.loadErr != nil:
		body = app.LoadFailed("totp-retry", s.loadErr, func(ctx goapp.Context, e goapp.Event) { s.load(ctx, true) })
	case s.status == nil || s.User == nil: // nil too once the session is over (SessionEnded)
		body = app.Loading("Loading…")
	case s.codes != nil:
		body = s.renderCodes()
	case s.pending != nil:
		body = s.renderSetup()
	case s.status.Enabled:
		body = s.renderOn()
	default:
		body = s.renderOff()
	}
	return goapp.Section().ID("totp").Class("card").Aria("labelledby", "totp-heading").Body(
		goapp.H2().ID("totp-heading").TabIndex(-1).Text("Two-factor authentication"),
		s.action.Notice.Render("totp-notice"),
		body,
		s.reauth.Render(&s.Page, s.API, s.User),
	)
}

func (s *section) renderOff() goapp.UI {
	return goapp.Div().Body(
		goapp.P().Class("muted").Text("Protect your account with a second step at sign-in: a 6-digit code from an authenticator app on your phone, such as Google Authenticator, 1Password or Aegis."),
		goapp.If(s.User.EmailVerified, func() goapp.UI {
			return app.ActionButton("button", "button primary", "Set up an authenticator app", "Starting…", s.busy("setup"), s.onSetup).ID("totp-setup")
		}).Else(func() goapp.UI {
			return app.ConfirmEmailFirst("totp-needs-confirmed-email", "set up an authenticator app")
		}),
	)
}

func (s *section) renderSetup() goapp.UI {
	return goapp.Div().Class("totp-setup").Body(
		goapp.Ol().Class("steps").Body(
			goapp.Li().Body(
				goapp.Text("Scan this QR code with your authenticator app."),
				goapp.Img().ID("totp-qr").Class("qr").Src(s.pending.QRCode).Alt("QR code to add your account to an authenticator app").
					Width(192).Height(192),
			),
			goapp.Li().Body(
				goapp.Text("Can't scan it? Enter this key in the app instead: "),
				goapp.Code().ID("totp-secret").Class("secret").Text(groupsOf4(s.pending.Secret)),
			),
			goapp.Li().Text("Then enter the 6-digit code the app shows."),
		),
		s.form.Notice.Render("totp-enable-notice"),
		goapp.Form().ID("totp-enable-form").NoValidate(true).OnSubmit(s.onEnable).Body(
			s.form.Input(app.Field{Name: "code", Label: "Code from the app", Kind: "text", Autocomplete: "one-time-code", InputMode: "numeric"}),
			goapp.Div().Class("actions").Body(
				app.SubmitButton("Turn on", "Checking…", s.form.Busy),
				goapp.Button().Type("button").ID("totp-setup-cancel").Class("button").Text("Cancel").OnClick(s.onCancelSetup),
			),
		),
	)
}

func (s *section) renderCodes() goapp.UI {
	text := codesText(s.codes)
	return goapp.Div().Class("recovery-codes").Body(
		goapp.P().ID("recovery-codes-intro").Text("Save these recovery codes somewhere safe, such as a password manager. Each one signs you in once if you lose your phone. They are shown only now."),
		goapp.Ul().ID("recovery-codes").Class("codes").Aria("labelledby", "recovery-codes-intro").Body(
			goapp.Range(s.codes).Slice(func(i int) goapp.UI { return goapp.Li().Body(goapp.Code().Text(s.codes[i])) }),
		),
		goapp.Div().Class("actions").Body(
			goapp.Button().Type("button").ID("copy-codes").Class("button").Text("Copy").OnClick(s.onCopyCodes),
			goapp.A().ID("download-codes").Class("button").Href("data:text/plain;charset=utf-8,"+url.PathEscape(text)).
				Attr("download", "authkit-recovery-codes.txt").Text("Download"),
			goapp.Button().Type("button").ID("codes-done").Class("button primary").Text("I have saved them").OnClick(s.onCodesSaved),
		),
	)
}

func (s *section) renderOn() goapp.UI {
	left := s.status.RecoveryCodesLeft
	return goapp.Div().Body(
		goapp.P().Body(
			goapp.Span().ID("totp-on").Class("badge yes").Text("On"),
			goapp.Text(" Signing in asks for a code from your authenticator app after your password."),
		),
		goapp.P().ID("recovery-left").Class(map[bool]string{true: "muted", false: "field-error"}[left > 2]).
			Text(fmt.Sprintf("%d of %d recovery codes left.", left, sharedtotp.RecoveryCodeCount)),
		goapp.If(!s.turnOff, func() goapp.UI {
			return goapp.Div().Class("actions").Body(
				app.ActionButton("button", "button", "New recovery codes", "Making…", s.busy("codes"), s.onNewCodes).ID("new-recovery-codes"),
				app.ActionButton("button", "button danger", "Turn off", "Turning off…", false, s.onAskTurnOff).ID("totp-disable"),
			)
		}),
		goapp.If(s.turnOff, func() goapp.UI {
			return app.ConfirmDialog{
				ID: "totp-off", Title: "Turn off two-factor authentication?",
				Text:      "Signing in will need your password only, and your recovery codes will stop working.",
				ConfirmID: "totp-off-confirm", ConfirmLabel: "Turn off", BusyLabel: "Turning off…", CancelID: "totp-off-cancel",
				Busy: s.busy("off"), OnConfirm: s.onTurnOff, OnCancel: s.onCancelTurnOff,
			}.Render()
		}),
	)
}

// groupsOf4 spaces a secret in groups of four, as apps show keys.
func groupsOf4(secret string) string {
	var groups []string
	for len(secret) > 4 {
		groups, secret = append(groups, secret[:4]), secret[4:]
	}
	return strings.Join(append(groups, secret), " ")
}

func (s *section) busy(which string) bool { return s.action.Busy && s.acting == which }

// codesText is recovery codes as the Copy and Download buttons give them.
func codesText(codes []string) string { return strings.Join(codes, "\n") + "\n" }

// onCopyCodes copies the codes shown when it is pressed: go-app keeps a
// button's first handler while its code is the same, so one that captured
// the text would copy the set first shown, not a newer one drawn in its
// place.
func (s *section) onCopyCodes(ctx goapp.Context, _ goapp.Event) { s.copy(ctx, codesText(s.codes)) }

// copy puts text on the clipboard (the page is a secure context: HTTPS,
// or localhost), and says so once the browser has: it may refuse (no
// permission, the page not focused), and codes shown once must not be
// taken for copied when they were not.
func (s *section) copy(ctx goapp.Context, text string) {
	clipboard := goapp.Window().Get("navigator").Get("clipboard")
	if !clipboard.Truthy() {
		s.action.Notice = app.Notice{Kind: "error", Text: "This browser cannot copy here; use Download."}
		return
	}
	var copied, refused goapp.Func
	settle := func(notice app.Notice) {
		copied.Release()
		refused.Release()
		ctx.Dispatch(func(goapp.Context) { s.action.Notice = notice })
	}
	copied = goapp.FuncOf(func(goapp.Value, []goapp.Value) any {
		settle(app.SuccessNotice("Copied the recovery codes."))
		return nil
	})
	refused = goapp.FuncOf(func(goapp.Value, []goapp.Value) any {
		settle(app.Notice{Kind: "error", Text: "The browser did not let the page copy the codes: use Download, or select them and copy them yourself."})
		return nil
	})
	clipboard.Call("writeText", text).Call("then", copied, refused)
}
