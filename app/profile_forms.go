package app

import (
	"context"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The profile page's two forms: the name, and the password.

func (p *profilePage) renderNameForm() app.UI {
	return app.Section().Class("card").Aria("labelledby", "name-heading").Body(
		app.H2().ID("name-heading").Text("Edit name"),
		p.nameForm.Notice.Render("profile-notice"),
		app.Form().ID("profile-form").NoValidate(true).OnSubmit(p.onSaveName).Body(
			p.nameForm.Input(Field{Name: "name", Label: "Name", Kind: "text", Autocomplete: "name"}),
			SubmitButton("Save name", "Saving…", p.nameForm.Busy),
		),
	)
}

func (p *profilePage) onSaveName(ctx app.Context, e app.Event) {
	name := p.nameForm.Value("name")
	req := shared.UpdateProfileRequest{Name: &name}
	p.Submit(ctx, e, Submission[shared.User]{
		Form:     &p.nameForm,
		Validate: req.Validate,
		Send:     func(ctx context.Context) (shared.User, error) { return p.API.UpdateProfile(ctx, req) },
		Done: func(_ app.Context, user shared.User) {
			p.User = &user
			p.nameForm.Set("name", user.Name)
			p.nameForm.Notice = SuccessNotice("Your name has been saved.")
		},
		Failed: p.SessionEnded,
	})
}

func (p *profilePage) renderPasswordForm() app.UI {
	if !p.User.HasPassword {
		return p.renderSetPassword()
	}
	return app.Section().Class("card").Aria("labelledby", "password-heading").Body(
		app.H2().ID("password-heading").Text("Change password"),
		app.P().Class("muted").Text("Changing your password signs out all your other devices."),
		p.passwordForm.Notice.Render("password-notice"),
		app.Form().ID("password-form").NoValidate(true).OnSubmit(p.onChangePassword).Body(
			hiddenUsername(p.User.Email),
			p.passwordForm.Input(Field{
				Name: "current_password", Label: "Current password", Kind: "password", Autocomplete: "current-password",
				Revealable: true,
			}),
			p.passwordForm.Input(Field{
				Name: "new_password", Label: "New password", Kind: "password", Autocomplete: "new-password",
				Revealable: true,
				Hint:       strengthHint("new_password", p.passwordForm.Value("new_password"), p.User.Email),
			}),
			SubmitButton("Change password", "Saving…", p.passwordForm.Busy),
		),
		p.reauth.Render(&p.Page, p.API, p.User),
	)
}

// onChangePassword changes the password, then lists the sessions again:
// the server has signed out every other one. The answer is the new list,
// or nil when it could not be fetched (the old one stays).
func (p *profilePage) onChangePassword(ctx app.Context, e app.Event) {
	req := shared.ChangePasswordRequest{
		CurrentPassword: p.passwordForm.Value("current_password"),
		NewPassword:     p.passwordForm.Value("new_password"),
	}
	p.Submit(ctx, e, Submission[[]shared.Session]{
		Form:     &p.passwordForm,
		Validate: func() error { return req.Validate(p.User.Email) },
		Send: func(ctx context.Context) ([]shared.Session, error) {
			if err := p.API.ChangePassword(ctx, req); err != nil {
				return nil, err
			}
			sessions, err := p.API.Sessions(ctx)
			if err != nil {
				return nil, nil
			}
			return sessions, nil
		},
		Done: func(_ app.Context, sessions []shared.Session) {
			p.ClearFields(&p.passwordForm, passwordFields...)
			p.passwordForm.Notice = SuccessNotice("Your password has been changed. Your other devices have been signed out.")
			if sessions != nil {
				p.sessions = sessions
			}
		},
		Failed: func(ctx app.Context, err error) bool {
			retry := func(ctx app.Context) { p.onChangePassword(ctx, app.Event{}) }
			return p.reauth.Ask(&p.signedInPage, err, retry) || p.SessionEnded(ctx, err)
		},
	})
}

// renderSetPassword stands in for the password form when the account has
// no password (it was made by signing in with a provider): the reset mail
// sets a first one, which proves the address on the way.
func (p *profilePage) renderSetPassword() app.UI {
	return app.Section().Class("card").Aria("labelledby", "password-heading").Body(
		app.H2().ID("password-heading").Text("Set a password"),
		app.P().Class("muted").Text("Your account has no password: you sign in with a connected account. "+
			"To also sign in with your email and a password, we can mail you a link to set one."),
		p.setPassword.Notice.Render("set-password-notice"),
		ActionButton("button", "button", "Mail me a link", "Sending…", p.setPassword.Busy, p.onSetPassword).ID("set-password"),
	)
}

func (p *profilePage) onSetPassword(ctx app.Context, e app.Event) {
	email := p.User.Email
	p.Submit(ctx, e, Submission[string]{
		Form: &p.setPassword,
		Send: func(ctx context.Context) (string, error) {
			return p.API.RequestPasswordReset(ctx, shared.PasswordResetRequest{Email: email})
		},
		Done: func(app.Context, string) {
			p.setPassword.Notice = SuccessNotice("We sent a link to " + email + ". Open it within 30 minutes to set your password.")
		},
		Failed: p.SessionEnded,
	})
}

// hiddenUsername names the account a password form is for, to password
// managers only (hidden, so neither seen, focused nor read out): with it
// they update the saved password of the right account rather than save a
// new one without a username.
func hiddenUsername(email string) app.UI {
	return app.Input().Type("text").Name("username").Attr("autocomplete", "username").Value(email).ReadOnly(true).Hidden(true)
}
