package app

import (
	"context"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// forgotPasswordPage is /forgot-password: it asks for a link to reset the
// password. The answer is the same whether or not the account exists, so
// the page never tells a stranger who has an account.
type forgotPasswordPage struct {
	basePage
	api  *Client
	form Form
	sent bool
}

func newForgotPasswordPage(api *Client) *forgotPasswordPage {
	return &forgotPasswordPage{api: api, form: NewForm("email")}
}

func (p *forgotPasswordPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Reset your password · authkit")
}

func (p *forgotPasswordPage) Render() app.UI {
	return Chrome{Path: "/forgot-password", Known: true}.Render(
		app.Section().Class("card narrow").Body(
			app.H1().Text("Reset your password"),
			p.form.Notice.Render("forgot-notice"),
			app.If(!p.sent, func() app.UI {
				return app.Div().Body(
					app.P().Class("muted").Text("Enter the email address of your account. We will send you a link to choose a new password."),
					app.Form().ID("forgot-password-form").NoValidate(true).OnSubmit(p.onSubmit).Body(
						p.form.Input(Field{Name: "email", Label: "Email", Kind: "email", Autocomplete: "email"}),
						SubmitButton("Send the link", "Sending…", p.form.Busy),
					),
				)
			}),
			app.P().Class("aside").Body(
				app.A().ID("back-to-login").Href("/login").Text("Back to log in"),
			),
		),
	)
}

func (p *forgotPasswordPage) onSubmit(ctx app.Context, e app.Event) {
	req := shared.PasswordResetRequest{Email: p.form.Value("email")}
	p.Submit(ctx, e, Submission[string]{
		Form:     &p.form,
		Validate: req.Validate,
		Send:     func(ctx context.Context) (string, error) { return p.api.RequestPasswordReset(ctx, req) },
		Done: func(_ app.Context, message string) {
			if message == "" {
				message = "If an account uses that email, we have sent it a link to reset the password."
			}
			p.sent, p.form.Notice = true, SuccessNotice(message)
			// The form, whose button had focus, is gone: focus goes to
			// the way on, after the notice that says what happened.
			p.Focus("back-to-login")
		},
	})
}
