package account

import (
	"context"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// emailFields are the email form's fields, in focus order.
var emailFields = []string{"new_email", "current_password"}

// card is app.Card under a lower-case name, as pages embed their base.
type card = app.Card

// emailCard is the profile's "Change email" form: the new address and the
// password; the server mails a link to the new address, and the change
// happens when it is opened (confirm.go).
type emailCard struct {
	card
	calls client
	form  app.Form
}

func newEmailCard(api *app.Client) *emailCard {
	return &emailCard{card: app.NewCard(api, "/profile"), calls: client{api}, form: app.NewForm(emailFields...).WithIDPrefix("email-")}
}

func (c *emailCard) OnMount(ctx goapp.Context) {
	c.card.OnMount(ctx)
	c.Load(ctx, nil)
}

func (c *emailCard) Render() goapp.UI {
	if c.User == nil {
		return goapp.Div()
	}
	return goapp.Section().Class("card").Aria("labelledby", "email-heading").Body(
		goapp.H2().ID("email-heading").Text("Change email"),
		goapp.P().Class("muted").Text("We send a link to the new address, and a notice to the current one. Your address changes when you open the link."),
		c.form.Notice.Render("email-notice"),
		goapp.Form().ID("email-form").NoValidate(true).OnSubmit(c.onSubmit).Body(
			c.form.Input(app.Field{Name: "new_email", Label: "New email address", Kind: "email", Autocomplete: "email"}),
			c.form.Input(app.Field{Name: "current_password", Label: "Current password", Kind: "password",
				Autocomplete: "current-password", Revealable: true}),
			app.SubmitButton("Send the link", "Sending…", c.form.Busy),
		),
	)
}

func (c *emailCard) onSubmit(ctx goapp.Context, e goapp.Event) {
	req := shared.ChangeEmailRequest{NewEmail: c.form.Value("new_email"), CurrentPassword: c.form.Value("current_password")}
	c.Submit(ctx, e, app.Submission[string]{
		Form:     &c.form,
		Validate: func() error { return req.Validate(c.User.Email) },
		Send:     func(ctx context.Context) (string, error) { return c.calls.changeEmail(ctx, req) },
		Done: func(_ goapp.Context, message string) {
			c.ClearFields(&c.form, emailFields...)
			c.form.Notice = app.SuccessNotice(message)
		},
		Failed: c.SessionEnded,
	})
}
