package account

import (
	"context"
	"errors"

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
// happens when it is opened (confirm.go). An account without a password
// (made by a sign-in provider) gives only the address: the server then
// asks for a recent sign-in, and the re-authentication dialog gets one.
type emailCard struct {
	card
	calls  client
	form   app.Form
	reauth app.Reauth
}

func newEmailCard(api *app.Client) *emailCard {
	return &emailCard{card: app.NewCard(api, "/profile"), calls: client{api},
		form: app.NewForm(emailFields...).WithIDPrefix("email-"), reauth: app.NewReauth("email-reauth")}
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
			goapp.If(c.User.HasPassword, func() goapp.UI {
				return c.form.Input(app.Field{Name: "current_password", Label: "Current password", Kind: "password",
					Autocomplete: "current-password", Revealable: true})
			}),
			app.SubmitButton("Send the link", "Sending…", c.form.Busy),
		),
		c.reauth.Render(&c.Page, c.API, c.User),
	)
}

func (c *emailCard) onSubmit(ctx goapp.Context, e goapp.Event) {
	hasPassword := c.User != nil && c.User.HasPassword
	req := shared.ChangeEmailRequest{NewEmail: c.form.Value("new_email")}
	if hasPassword {
		req.CurrentPassword = c.form.Value("current_password")
	}
	current := ""
	if c.User != nil {
		current = c.User.Email
	}
	c.Submit(ctx, e, app.Submission[string]{
		Form:     &c.form,
		Validate: func() error { return checkEmailChange(current, hasPassword, &req) },
		Send:     func(ctx context.Context) (string, error) { return c.calls.changeEmail(ctx, req) },
		Done: func(_ goapp.Context, message string) {
			c.ClearFields(&c.form, emailFields...)
			c.form.Notice = app.SuccessNotice(message)
		},
		Failed: func(ctx goapp.Context, err error) bool {
			retry := func(ctx goapp.Context) { c.onSubmit(ctx, goapp.Event{}) }
			return c.reauth.Ask(&c.SignedInPage, err, retry) || c.SessionEnded(ctx, err)
		},
	})
}

// checkEmailChange is the rule the form applies before sending: the
// shared rules of the new address, and the password of an account that
// has one (the server checks it). Without a password the server asks for
// a recent sign-in instead.
func checkEmailChange(current string, hasPassword bool, req *shared.ChangeEmailRequest) error {
	var f shared.FieldErrors
	var e *shared.Error
	if err := req.Validate(current); errors.As(err, &e) && e.Code == shared.CodeValidationFailed {
		f = e.Fields
	} else if err != nil {
		return err
	}
	if hasPassword && req.CurrentPassword == "" {
		f.Add("current_password", "Enter your current password.")
	}
	return f.Err()
}
