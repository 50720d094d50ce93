package app

import (
	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// resetFields are the fields of the form that sets a new password.
var resetFields = []string{"new_password"}

// resetPasswordPage is /reset-password?token=…, where the link in a reset
// email leads. A reset ends every session of the account, so success
// leads to the login form.
type resetPasswordPage struct {
	basePage
	api *Client

	newPassword string
	revealed    bool
	errs        map[string]string
	notice      notice
	busy        bool
	done        bool
	badLink     bool // the link is incomplete, used or expired
}

func (p *resetPasswordPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Choose a new password · authkit")
	if app.IsServer {
		return
	}
	// Say at once when the link lost its token, in the contract's words.
	req := shared.PasswordResetConfirmRequest{Token: p.token(ctx)}
	if msg := fieldErrors(req.Validate())["token"]; msg != "" {
		p.badLink, p.notice = true, notice{kind: "error", text: msg}
	}
}

// token is the reset token from the page's address.
func (p *resetPasswordPage) token(ctx app.Context) string {
	if u := ctx.Page().URL(); u != nil {
		return u.Query().Get("token")
	}
	return ""
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
			field{
				name: "new_password", label: "New password", kind: "password", autocomplete: "new-password",
				value: p.newPassword, err: p.errs["new_password"], onInput: p.onNewPassword,
				onReveal: p.onReveal, revealed: p.revealed,
				hint: strengthHint("new_password", p.newPassword, ""),
			}.render(),
			submitButton("Set new password", "Saving…", p.busy),
		)
	}
	return chrome{path: "/reset-password", known: true}.render(
		app.Section().Class("card narrow").Body(
			app.H1().Text("Choose a new password"),
			p.notice.render("reset-notice"),
			body,
		),
	)
}

func (p *resetPasswordPage) onNewPassword(ctx app.Context, e app.Event) {
	p.newPassword = inputValue(ctx)
	delete(p.errs, "new_password")
}

func (p *resetPasswordPage) onReveal(ctx app.Context, e app.Event) { p.revealed = !p.revealed }

func (p *resetPasswordPage) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	req := shared.PasswordResetConfirmRequest{Token: p.token(ctx), NewPassword: p.newPassword}
	if err := req.Validate(); err != nil {
		errs := fieldErrors(err)
		if msg := errs["token"]; msg != "" {
			p.badLink, p.notice = true, notice{kind: "error", text: msg}
			return
		}
		p.errs, p.notice = errs, notice{}
		p.focusFirstError(resetFields, p.errs)
		return
	}
	p.busy, p.errs, p.notice = true, nil, notice{}
	p.background(ctx, func() func(app.Context) {
		err := p.api.ResetPassword(ctx, req)
		return func(ctx app.Context) {
			p.busy = false
			switch {
			case hasCode(err, shared.CodeInvalidToken):
				p.badLink, p.notice = true, errorNotice(err)
			case err != nil:
				p.errs, p.notice = formErrors(err, resetFields)
				p.focusFirstError(resetFields, p.errs)
			default:
				p.newPassword, p.done = "", true
				p.notice = successNotice("Your password has been changed, and every device signed out. Log in with your new password.")
			}
		}
	})
}
