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
// their password, or a code from their authenticator app. Once the server
// takes it, the dialog closes and the action runs again.
//
// A page or section keeps one per place it may open, and uses it in a
// Submission's Failed:
//
//	Failed: func(ctx app.Context, err error) bool {
//		return p.reauth.Ask(&p.Page, err, p.retryAction) || p.SessionEnded(ctx, err)
//	},
//
// and renders it (Render) where the dialog should appear.
//
// An account without a password (made by a sign-in provider) is asked
// for a code when it has an authenticator app, and otherwise told to sign
// in again with its provider, which makes a new, recent session.
type Reauth struct {
	ID         string // prefix of the dialog's ids ("password-reauth")
	open       bool
	form       Form
	code       bool // asking for a code rather than the password
	noPassword bool // the signed-in user has no password (as last rendered)
	noCode     bool // nor an authenticator app: only a new sign-in will do
	retry      func(app.Context)
}

// NewReauth returns a closed dialog whose elements' ids start with id.
func NewReauth(id string) Reauth {
	return Reauth{ID: id, form: NewForm("password", "code").WithIDPrefix(id + "-")}
}

// Open reports whether the dialog shows.
func (r *Reauth) Open() bool { return r.open }

// Ask opens the dialog when err is reauth_required, to run retry once the
// person has proved who they are, and reports whether it did.
func (r *Reauth) Ask(p *Page, err error, retry func(app.Context)) bool {
	if !HasCode(err, shared.CodeReauthRequired) {
		return false
	}
	r.open, r.retry, r.code = true, retry, r.noPassword
	r.form.Reset(nil)
	switch {
	case r.noPassword && r.noCode:
		p.Focus(r.ID + "-cancel")
	case r.code:
		p.Focus(r.ID + "-code")
	default:
		p.Focus(r.ID + "-password")
	}
	return true
}

// Render draws the dialog while it is open (nothing otherwise). user is
// the signed-in user: with two-factor authentication on, the dialog
// offers a code instead of the password; without a password, only the
// code, or with no code either, a new sign-in. Render remembers which,
// for Ask.
func (r *Reauth) Render(p *Page, api *Client, user *shared.User) app.UI {
	r.noPassword = user != nil && !user.HasPassword
	r.noCode = user == nil || !user.TOTPEnabled
	if !r.open {
		return app.Div().ID(r.ID).Class("reauth-slot")
	}
	if r.noPassword && r.noCode {
		return r.renderSignInAgain()
	}
	field := Field{Name: "password", Label: "Password", Kind: "password", Autocomplete: "current-password", Revealable: true}
	switchLabel := "Use a code from your authenticator app instead"
	if r.code {
		field = Field{Name: "code", Label: "Code from your authenticator app, or a recovery code", Kind: "text", Autocomplete: "one-time-code", InputMode: "numeric"}
		switchLabel = "Use your password instead"
	}
	return app.Div().ID(r.ID).Class("reauth-slot").Body(
		app.Div().ID(r.ID+"-dialog").Class("confirm card reauth").Role("dialog").Aria("modal", "false").
			Aria("labelledby", r.ID+"-title").Aria("describedby", r.ID+"-text").
			OnKeyDown(func(ctx app.Context, e app.Event) {
				if e.Get("key").String() == "Escape" {
					r.close()
				}
			}).Body(
			app.H2().ID(r.ID+"-title").Text("Confirm it's you"),
			app.P().ID(r.ID+"-text").Text(map[bool]string{
				false: "For your security, this needs a recent sign-in. Enter your password to continue.",
				true:  "For your security, this needs a recent sign-in. Enter a code to continue.",
			}[r.code]),
			r.form.Notice.Render(r.ID+"-notice"),
			app.Form().ID(r.ID+"-form").NoValidate(true).OnSubmit(func(ctx app.Context, e app.Event) { r.submit(p, api, ctx, e) }).Body(
				r.form.Input(field),
				app.Div().Class("actions").Body(
					SubmitButton("Confirm", "Checking…", r.form.Busy),
					app.Button().Type("button").ID(r.ID+"-cancel").Class("button").Text("Cancel").
						OnClick(func(ctx app.Context, e app.Event) { r.close() }),
				),
			),
			app.If(user != nil && user.TOTPEnabled && !r.noPassword, func() app.UI {
				return app.P().Class("aside").Body(
					app.Button().Type("button").ID(r.ID + "-switch").Class("button-quiet").Text(switchLabel).
						OnClick(func(ctx app.Context, e app.Event) {
							r.code = !r.code
							r.form.Reset(nil)
							p.Focus(r.ID + "-" + map[bool]string{true: "code", false: "password"}[r.code])
						}),
				)
			}),
		),
	)
}

// renderSignInAgain is the dialog for an account with neither a password
// nor an authenticator app: only a new sign-in with its provider proves
// who it is.
func (r *Reauth) renderSignInAgain() app.UI {
	return app.Div().ID(r.ID).Class("reauth-slot").Body(
		app.Div().ID(r.ID+"-dialog").Class("confirm card reauth").Role("dialog").Aria("modal", "false").
			Aria("labelledby", r.ID+"-title").Aria("describedby", r.ID+"-text").Body(
			app.H2().ID(r.ID+"-title").Text("Confirm it's you"),
			app.P().ID(r.ID+"-text").Text("For your security, this needs a recent sign-in. Your account has no password: "+
				"sign out, sign in again (with the service you use, or a passkey), then try again."),
			app.Div().Class("actions").Body(
				app.Button().Type("button").ID(r.ID+"-cancel").Class("button").Text("Cancel").
					OnClick(func(ctx app.Context, e app.Event) { r.close() }),
			),
		),
	)
}

func (r *Reauth) close() {
	r.open, r.retry = false, nil
	r.form.Reset(nil)
}

func (r *Reauth) submit(p *Page, api *Client, ctx app.Context, e app.Event) {
	req := shared.ReauthRequest{Password: r.form.Value("password")}
	if r.code {
		req = shared.ReauthRequest{Code: r.form.Value("code")}
	}
	p.Submit(ctx, e, Submission[struct{}]{
		Form: &r.form,
		Validate: func() error {
			if r.code && strings.TrimSpace(req.Code) == "" {
				return shared.FieldErrors{"code": "Enter the code."}.Err()
			}
			return req.Validate()
		},
		Send: func(ctx context.Context) (struct{}, error) { return struct{}{}, api.Reauthenticate(ctx, req) },
		Done: func(ctx app.Context, _ struct{}) {
			retry := r.retry
			r.close()
			if retry != nil {
				retry(ctx)
			}
		},
	})
}
