package app

import (
	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// forgotFields are the fields of the form that asks for a reset link.
var forgotFields = []string{"email"}

// forgotPasswordPage is /forgot-password: it asks for a link to reset the
// password. The answer is the same whether or not the account exists, so
// the page never tells a stranger who has an account.
type forgotPasswordPage struct {
	basePage
	api *Client

	email  string
	errs   map[string]string
	notice notice
	busy   bool
	sent   bool
}

func (p *forgotPasswordPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Reset your password · authkit")
}

func (p *forgotPasswordPage) Render() app.UI {
	return chrome{path: "/forgot-password", known: true}.render(
		app.Section().Class("card narrow").Body(
			app.H1().Text("Reset your password"),
			p.notice.render("forgot-notice"),
			app.If(!p.sent, func() app.UI {
				return app.Div().Body(
					app.P().Class("muted").Text("Enter the email address of your account. We will send you a link to choose a new password."),
					app.Form().ID("forgot-password-form").NoValidate(true).OnSubmit(p.onSubmit).Body(
						field{
							name: "email", label: "Email", kind: "email", autocomplete: "email",
							value: p.email, err: p.errs["email"], onInput: p.onEmail,
						}.render(),
						submitButton("Send the link", "Sending…", p.busy),
					),
				)
			}),
			app.P().Class("aside").Body(
				app.A().Href("/login").Text("Back to log in"),
			),
		),
	)
}

func (p *forgotPasswordPage) onEmail(ctx app.Context, e app.Event) {
	p.email = inputValue(ctx)
	delete(p.errs, "email")
}

func (p *forgotPasswordPage) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	req := shared.PasswordResetRequest{Email: p.email}
	if err := req.Validate(); err != nil {
		p.errs, p.notice = fieldErrors(err), notice{}
		p.focusFirstError(forgotFields, p.errs)
		return
	}
	p.busy, p.errs, p.notice = true, nil, notice{}
	p.background(ctx, func() func(app.Context) {
		message, err := p.api.RequestPasswordReset(ctx, req)
		return func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.errs, p.notice = formErrors(err, forgotFields)
				p.focusFirstError(forgotFields, p.errs)
				return
			}
			if message == "" {
				message = "If an account uses that email, we have sent it a link to reset the password."
			}
			p.sent, p.notice = true, successNotice(message)
		}
	})
}
