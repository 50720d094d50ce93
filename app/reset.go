package app

import (
	"context"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// resetPasswordPage is /reset-password?token=…, where the link in a reset
// email leads. A reset ends every session of the account, so success
// leads to the login form.
type resetPasswordPage struct {
	basePage
	api     *Client
	form    Form
	token   string // taken from the address, which is then cleared of it
	done    bool
	badLink bool // the link is incomplete, used or expired
}

func newResetPasswordPage(api *Client) *resetPasswordPage {
	return &resetPasswordPage{api: api, form: NewForm("new_password")}
}

func (p *resetPasswordPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Choose a new password · authkit")
	if app.IsServer {
		return
	}
	if token := takeToken(ctx); token != "" {
		p.token = token
	}
	p.checkLink(ctx)
}

// checkLink says at once when the link lost its token, in the contract's
// words, and reports whether the token passes.
func (p *resetPasswordPage) checkLink(ctx app.Context) bool {
	req := shared.PasswordResetConfirmRequest{Token: p.token}
	if msg := fieldErrors(req.Validate())["token"]; msg != "" {
		p.badLink, p.form.Notice = true, Notice{Kind: "error", Text: msg}
		return false
	}
	return true
}

func (p *resetPasswordPage) Render() app.UI {
	var body app.UI
	switch {
	case p.done:
		body = app.Div().Class("actions").Body(
			app.A().ID("go-login").Class("button primary").Href("/login").Text("Log in"),
		)
	case p.badLink:
		body = app.Div().Class("actions").Body(
			app.A().ID("ask-again").Class("button primary").Href("/forgot-password").Text("Ask for a new link"),
		)
	default:
		body = app.Form().ID("reset-password-form").NoValidate(true).OnSubmit(p.onSubmit).Body(
			p.form.Input(Field{
				Name: "new_password", Label: "New password", Kind: "password", Autocomplete: "new-password",
				Revealable: true,
				Hint:       strengthHint("new_password", p.form.Value("new_password"), ""),
			}),
			SubmitButton("Set new password", "Saving…", p.form.Busy),
		)
	}
	return Chrome{Path: "/reset-password", Known: true}.Render(
		app.Section().Class("card narrow").Body(
			app.H1().Text("Choose a new password"),
			p.form.Notice.Render("reset-notice"),
			body,
		),
	)
}

func (p *resetPasswordPage) onSubmit(ctx app.Context, e app.Event) {
	if !p.checkLink(ctx) {
		e.PreventDefault()
		p.Focus("ask-again")
		return
	}
	req := shared.PasswordResetConfirmRequest{Token: p.token, NewPassword: p.form.Value("new_password")}
	p.Submit(ctx, e, Submission[struct{}]{
		Form:     &p.form,
		Validate: req.Validate,
		Send:     func(ctx context.Context) (struct{}, error) { return struct{}{}, p.api.ResetPassword(ctx, req) },
		Done: func(app.Context, struct{}) {
			p.form.Set("new_password", "")
			p.done = true
			p.form.Notice = SuccessNotice("Your password has been changed, and every device signed out. Log in with your new password.")
			p.Focus("go-login") // the form, whose button had focus, is gone
		},
		Failed: func(_ app.Context, err error) bool {
			if !HasCode(err, shared.CodeInvalidToken) {
				return false
			}
			p.badLink, p.form.Notice = true, ErrorNotice(err)
			p.Focus("ask-again") // the form, whose button had focus, is gone
			return true
		},
	})
}
