package app

import (
	"context"
	"strings"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Reauth is the dialog that asks a signed-in person to prove who they are
// again when a sensitive action (changing the password, turning two-factor
// authentication on or off, adding a passkey) answers reauth_required:
// their password, a code from their authenticator app, or a proof a module
// offers (Module.ReauthWith: a passkey). Once the server takes it, the
// dialog closes and the action runs again.
//
// A page or section keeps one per place it may open, and uses it in a
// Submission's Failed:
//
//	Failed: func(ctx app.Context, err error) bool {
//		return p.reauth.Ask(&p.SignedInPage, err, p.retryAction) || p.SessionEnded(ctx, err)
//	},
//
// and renders it (Render) where the dialog should appear.
//
// An account without a password (made by a sign-in provider) is asked
// for a code when it has an authenticator app, or offered the modules'
// proofs (a passkey); with none of these it is told to sign in again
// with its provider, which makes a new, recent session.
type Reauth struct {
	ID         string // prefix of the dialog's ids ("password-reauth")
	open       bool
	form       Form
	proof      Form           // a module's proof: its notice and busy state
	proving    string         // the Name of the module's proof on its way
	code       bool           // asking for a code rather than the password
	noPassword bool           // the signed-in user has no password (as last rendered)
	noCode     bool           // nor an authenticator app
	options    []ReauthOption // the modules' proofs for the user (as last rendered)
	retry      func(app.Context)
	page       *SignedInPage // the page the dialog is on (as Ask was given it)
	opener     app.Value     // what had focus when it opened: the action's button
}

// ReauthOption is a proof a module offers in the re-authentication
// dialog (Module.ReauthWith): a button that gets the proof and sends it.
type ReauthOption struct {
	// Name names the button: its id is the dialog's ID, "-" and Name
	// ("passkey-reauth-passkey").
	Name      string
	Label     string // "Use a passkey"
	BusyLabel string // "Waiting for your passkey…"
	// Prove gets the proof (the browser's passkey prompt) and sends it
	// with Client.Reauthenticate; it runs off the UI goroutine. Its error
	// shows in the dialog (an app.Problem as it is).
	Prove func(ctx context.Context) error
}

// NewReauth returns a closed dialog whose elements' ids start with id.
func NewReauth(id string) Reauth {
	return Reauth{ID: id, form: NewForm("password", "code").WithIDPrefix(id + "-")}
}

// CanReauthenticate reports whether the dialog can take a proof from
// user: a password, an authenticator app's code or a module's proof (a
// passkey). Without one, only a new sign-in makes a session recent.
func CanReauthenticate(api *Client, user shared.User) bool {
	return user.HasPassword || user.TOTPEnabled || len(reauthWith(api, user)) > 0
}

// Open reports whether the dialog shows.
func (r *Reauth) Open() bool { return r.open }

// Ask opens the dialog on page p when err is reauth_required, to run
// retry once the person has proved who they are, and reports whether it
// did. A session found over while the dialog is open leads to the login
// form, as p.SessionEnded does.
func (r *Reauth) Ask(p *SignedInPage, err error, retry func(app.Context)) bool {
	if !HasCode(err, shared.CodeReauthRequired) {
		return false
	}
	if p.User != nil {
		// What the user can prove, from the user itself: the dialog may
		// never have been drawn with it (a page asking as it loads).
		r.learn(p.API, p.User)
	}
	r.open, r.retry, r.code = true, retry, r.noPassword
	r.page, r.opener = p, p.focused()
	r.reset()
	// Asked again while it shows (the action pressed again), the dialog
	// keeps its box, which go-app does not empty (see ClearFields).
	p.ClearFields(&r.form, "password", "code")
	switch {
	case r.noPassword && r.noCode && len(r.options) > 0:
		p.Focus(r.optionID(r.options[0]))
	case r.noPassword && r.noCode:
		p.Focus(r.ID + "-cancel")
	case r.code:
		p.Focus(r.ID + "-code")
	default:
		p.Focus(r.ID + "-password")
	}
	return true
}

// learn notes which proofs user can give (nil: none is known).
func (r *Reauth) learn(api *Client, user *shared.User) {
	r.noPassword = user != nil && !user.HasPassword
	r.noCode = user == nil || !user.TOTPEnabled
	r.options = nil
	if user != nil {
		r.options = reauthWith(api, *user)
	}
}

// Render draws the dialog while it is open (nothing otherwise). user is
// the signed-in user: with two-factor authentication on, the dialog
// offers a code instead of the password; without a password, only the
// code; and the modules' proofs (a passkey) beside them. With none of
// these, it asks for a new sign-in. Render remembers which, for Ask.
func (r *Reauth) Render(p *Page, api *Client, user *shared.User) app.UI {
	r.learn(api, user)
	if !r.open {
		return app.Div().ID(r.ID).Class("reauth-slot")
	}
	if r.noPassword && r.noCode {
		if len(r.options) == 0 {
			return r.renderSignInAgain()
		}
		return r.renderOptionsOnly(p)
	}
	field := Field{Name: "password", Label: "Password", Kind: "password", Autocomplete: "current-password", Revealable: true}
	switchLabel := "Use a code from your authenticator app instead"
	if r.code {
		// A recovery code holds letters: a phone offers its full
		// keyboard ("text"), not the digits the app's code needs.
		field = Field{Name: "code", Label: "Code from your authenticator app, or a recovery code", Kind: "text", Autocomplete: "one-time-code", InputMode: "text"}
		switchLabel = "Use your password instead"
	}
	return r.renderDialog(
		app.P().ID(r.ID+"-text").Text(map[bool]string{
			false: "For your security, this needs a recent sign-in. Enter your password to continue.",
			true:  "For your security, this needs a recent sign-in. Enter a code to continue.",
		}[r.code]),
		r.notice().Render(r.ID+"-notice"),
		app.Form().ID(r.ID+"-form").NoValidate(true).OnSubmit(func(ctx app.Context, e app.Event) { r.submit(p, api, ctx, e) }).Body(
			r.form.Input(field),
			app.Div().Class("actions").Body(
				SubmitButton("Confirm", "Checking…", r.form.Busy),
				r.cancelButton(),
			),
		),
		app.If(user != nil && user.TOTPEnabled && !r.noPassword, func() app.UI {
			return app.P().Class("aside").Body(
				app.Button().Type("button").ID(r.ID + "-switch").Class("button-quiet").Text(switchLabel).
					OnClick(func(ctx app.Context, e app.Event) {
						r.code = !r.code
						r.reset()
						p.Focus(r.ID + "-" + map[bool]string{true: "code", false: "password"}[r.code])
					}),
			)
		}),
		app.Range(r.options).Slice(func(i int) app.UI {
			return app.P().Class("aside").Body(r.optionButton(p, r.options[i], "button-quiet"))
		}),
	)
}

// renderOptionsOnly is the dialog for an account whose only proofs are
// the modules' (a passkey, with no password and no authenticator app).
func (r *Reauth) renderOptionsOnly(p *Page) app.UI {
	labels := make([]string, len(r.options))
	buttons := make([]app.UI, 0, len(r.options)+1)
	for i, opt := range r.options {
		labels[i] = "“" + opt.Label + "”"
		class := "button"
		if i == 0 {
			class = "button primary"
		}
		buttons = append(buttons, r.optionButton(p, opt, class))
	}
	return r.renderDialog(
		app.P().ID(r.ID+"-text").Text("For your security, this needs a recent sign-in. Choose "+
			strings.Join(labels, " or ")+" to continue."),
		r.notice().Render(r.ID+"-notice"),
		app.Div().Class("actions").Body(append(buttons, r.cancelButton())...),
	)
}

// renderDialog is the dialog's frame around its body: labelled by its
// title, described by its text (the body's r.ID-text), closed by Escape as
// by Cancel.
func (r *Reauth) renderDialog(body ...app.UI) app.UI {
	return app.Div().ID(r.ID).Class("reauth-slot").Body(
		app.Div().ID(r.ID+"-dialog").Class("confirm card reauth").Role("dialog").Aria("modal", "false").
			Aria("labelledby", r.ID+"-title").Aria("describedby", r.ID+"-text").
			OnKeyDown(func(ctx app.Context, e app.Event) {
				if e.Get("key").String() == "Escape" {
					r.dismiss()
				}
			}).Body(append([]app.UI{app.H2().ID(r.ID + "-title").Text("Confirm it's you")}, body...)...),
	)
}

// cancelButton closes the dialog (dismiss); it is disabled while a proof
// is on its way.
func (r *Reauth) cancelButton() app.UI {
	b := app.Button().Type("button").ID(r.ID + "-cancel").Class("button").Text("Cancel").
		OnClick(func(ctx app.Context, e app.Event) { r.dismiss() })
	if r.busy() {
		b = b.Disabled(true)
	}
	return b
}

// busy reports whether a proof is on its way.
func (r *Reauth) busy() bool { return r.form.Busy || r.proof.Busy }

// dismiss closes the dialog on Cancel or Escape, without running the
// action; not while a proof is on its way, whose answer would otherwise
// land in a closed dialog and the action not run, as if the proof had
// failed.
func (r *Reauth) dismiss() {
	if !r.busy() {
		r.close()
	}
}

// optionButton is a module's proof as a button, busy while its proof is
// on its way.
func (r *Reauth) optionButton(p *Page, opt ReauthOption, class string) app.UI {
	return ActionButton("button", class, opt.Label, opt.BusyLabel, r.proof.Busy && r.proving == opt.Name,
		func(ctx app.Context, e app.Event) { r.prove(p, ctx, e, opt) }, app.EventScope(opt.Name)).
		ID(r.optionID(opt))
}

func (r *Reauth) optionID(opt ReauthOption) string { return r.ID + "-" + opt.Name }

// notice is the message about the last try, the password's or code's or
// a module's proof's.
func (r *Reauth) notice() Notice {
	if r.proof.Notice.Kind != "" {
		return r.proof.Notice
	}
	return r.form.Notice
}

// reset clears what was typed and the last try's messages.
func (r *Reauth) reset() {
	r.form.Reset(nil)
	r.proof.Reset(nil)
	r.proving = ""
}

// renderSignInAgain is the dialog for an account with neither a password
// nor an authenticator app: only a new sign-in with its provider proves
// who it is. Escape closes it, as it does the others (renderDialog).
func (r *Reauth) renderSignInAgain() app.UI {
	return r.renderDialog(
		app.P().ID(r.ID+"-text").Text("For your security, this needs a recent sign-in. Your account has no password: "+
			"sign out, sign in again (with the service you use, or a passkey), then try again."),
		app.Div().Class("actions").Body(r.cancelButton()),
	)
}

// close closes the dialog, and gives focus back to the button that led
// to it: the dialog, which had focus, is gone.
func (r *Reauth) close() {
	if r.open && r.page != nil {
		r.page.refocus(r.opener)
	}
	r.open, r.retry, r.page, r.opener = false, nil, nil, nil
	r.reset()
}
