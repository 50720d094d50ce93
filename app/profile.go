package app

import (
	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The profile page's forms, each with its fields in focus order.
var (
	nameFields     = []string{"name"}
	passwordFields = []string{"current_password", "new_password"}
)

// profilePage is /profile: the account's details, a form to rename it, a
// form to change its password, its sessions (profile_sessions.go) and the
// ways to sign out. Signed-out visitors are sent to the login form.
type profilePage struct {
	basePage
	api *Client

	user    *shared.User
	loadErr error

	name       string
	nameErrs   map[string]string
	nameNotice notice
	savingName bool

	currentPassword, newPassword string
	revealCurrent, revealNew     bool
	passwordErrs                 map[string]string
	passwordNotice               notice
	savingPassword               bool

	sessions       []shared.Session
	sessionsErr    error
	sessionsNotice notice
	revoking       string // id of the session being signed out

	signingOut    string // "this" or "all" while a logout runs
	signOutNotice notice

	resending    bool // a new confirmation link is being requested
	verifyNotice notice
}

func (p *profilePage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Your profile · authkit")
	if app.IsServer {
		return
	}
	p.load(ctx)
}

// load fetches the user, then their sessions.
func (p *profilePage) load(ctx app.Context) {
	p.loadErr = nil
	p.background(ctx, func() func(app.Context) {
		user, err := p.api.Me(ctx)
		var sessions []shared.Session
		var sessionsErr error
		if err == nil {
			sessions, sessionsErr = p.api.Sessions(ctx)
		}
		return func(ctx app.Context) {
			switch {
			case isSignedOut(err):
				redirect(loginURL("/profile"))
			case err != nil:
				p.loadErr = err
			default:
				p.user, p.name = &user, user.Name
				p.sessions, p.sessionsErr = sessions, sessionsErr
			}
		}
	})
}

func (p *profilePage) onRetry(ctx app.Context, e app.Event) { p.load(ctx) }

func (p *profilePage) Render() app.UI {
	page := chrome{path: "/profile", user: p.user, known: p.user != nil}
	switch {
	case p.loadErr != nil:
		return page.render(app.H1().Text("Your profile"), loadFailed(p.loadErr, p.onRetry))
	case p.user == nil:
		return page.render(app.H1().Text("Your profile"), loading("Loading your profile…"))
	}
	return page.render(
		app.H1().Text("Your profile"),
		p.renderAccount(),
		p.renderNameForm(),
		p.renderPasswordForm(),
		p.renderSessions(),
		p.renderSignOut(),
	)
}

func (p *profilePage) renderAccount() app.UI {
	u := p.user
	lastLogin := app.UI(app.Text("Never"))
	if u.LastLogin != nil {
		lastLogin = timeTag(*u.LastLogin, formatDateTime)
	}
	return app.Section().Class("card").Aria("labelledby", "account-heading").Body(
		app.H2().ID("account-heading").Text("Account"),
		app.Dl().ID("account").Class("details").Body(
			app.Dt().Text("Name"), app.Dd().ID("account-name").Text(u.Name),
			app.Dt().Text("Email"), app.Dd().Body(
				app.Span().ID("account-email").Text(u.Email),
				app.If(!u.EmailVerified, func() app.UI {
					return app.Span().ID("email-unconfirmed").Class("badge no").Text("Not confirmed")
				}),
			),
			app.Dt().Text("Member since"), app.Dd().ID("account-joined").Body(timeTag(u.DateJoined, formatDate)),
			app.Dt().Text("Last login"), app.Dd().ID("account-last-login").Body(lastLogin),
		),
		app.P().Class("aside").Body(
			app.Text("Keep private notes, visible only to you, on "),
			app.A().ID("notes-link").Href("/notes").Text("your notes page"),
			app.Text("."),
		),
		app.If(!u.EmailVerified, p.renderConfirmEmail),
	)
}

// renderConfirmEmail offers a new confirmation link to someone who has not
// used the one mailed at sign-up.
func (p *profilePage) renderConfirmEmail() app.UI {
	return app.Div().Class("confirm-email").Body(
		p.verifyNotice.render("verify-notice"),
		app.P().Class("muted").Text("Your email address is not confirmed yet. Open the link we mailed you, or ask for a new one."),
		actionButton("button", "button small", "Send a new link", "Sending…", p.resending, p.onResend).ID("resend-verification"),
	)
}

func (p *profilePage) onResend(ctx app.Context, e app.Event) {
	if p.resending {
		return
	}
	p.resending, p.verifyNotice = true, notice{}
	p.background(ctx, func() func(app.Context) {
		message, err := p.api.ResendVerification(ctx)
		return func(ctx app.Context) {
			p.resending = false
			switch {
			case isSignedOut(err):
				redirect(loginURL("/profile"))
			case err != nil:
				p.verifyNotice = errorNotice(err)
			default:
				if message == "" {
					message = "We sent a new link to " + p.user.Email + "."
				}
				p.verifyNotice = successNotice(message)
			}
		}
	})
}

func (p *profilePage) renderNameForm() app.UI {
	return app.Section().Class("card").Aria("labelledby", "name-heading").Body(
		app.H2().ID("name-heading").Text("Edit name"),
		p.nameNotice.render("profile-notice"),
		app.Form().ID("profile-form").NoValidate(true).OnSubmit(p.onSaveName).Body(
			field{
				name: "name", label: "Name", kind: "text", autocomplete: "name",
				value: p.name, err: p.nameErrs["name"], onInput: p.onName,
			}.render(),
			submitButton("Save name", "Saving…", p.savingName),
		),
	)
}

func (p *profilePage) onName(ctx app.Context, e app.Event) {
	p.name = inputValue(ctx)
	delete(p.nameErrs, "name")
}

func (p *profilePage) onSaveName(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.savingName {
		return
	}
	name := p.name
	req := shared.UpdateProfileRequest{Name: &name}
	if err := req.Validate(); err != nil {
		p.nameErrs, p.nameNotice = fieldErrors(err), notice{}
		p.focusFirstError(nameFields, p.nameErrs)
		return
	}
	p.savingName, p.nameErrs, p.nameNotice = true, nil, notice{}
	p.background(ctx, func() func(app.Context) {
		user, err := p.api.UpdateProfile(ctx, req)
		return func(ctx app.Context) {
			p.savingName = false
			switch {
			case isSignedOut(err):
				redirect(loginURL("/profile"))
			case err != nil:
				p.nameErrs, p.nameNotice = formErrors(err, nameFields)
				p.focusFirstError(nameFields, p.nameErrs)
			default:
				p.user, p.name = &user, user.Name
				p.nameNotice = successNotice("Your name has been saved.")
			}
		}
	})
}

func (p *profilePage) renderPasswordForm() app.UI {
	return app.Section().Class("card").Aria("labelledby", "password-heading").Body(
		app.H2().ID("password-heading").Text("Change password"),
		app.P().Class("muted").Text("Changing your password signs out all your other devices."),
		p.passwordNotice.render("password-notice"),
		app.Form().ID("password-form").NoValidate(true).OnSubmit(p.onChangePassword).Body(
			field{
				name: "current_password", label: "Current password", kind: "password", autocomplete: "current-password",
				value: p.currentPassword, err: p.passwordErrs["current_password"], onInput: p.onCurrentPassword,
				onReveal: p.onRevealCurrent, revealed: p.revealCurrent,
			}.render(),
			field{
				name: "new_password", label: "New password", kind: "password", autocomplete: "new-password",
				value: p.newPassword, err: p.passwordErrs["new_password"], onInput: p.onNewPassword,
				onReveal: p.onRevealNew, revealed: p.revealNew,
				hint: strengthHint("new_password", p.newPassword, p.user.Email),
			}.render(),
			submitButton("Change password", "Saving…", p.savingPassword),
		),
	)
}

func (p *profilePage) onCurrentPassword(ctx app.Context, e app.Event) {
	p.currentPassword = inputValue(ctx)
	delete(p.passwordErrs, "current_password")
}

func (p *profilePage) onNewPassword(ctx app.Context, e app.Event) {
	p.newPassword = inputValue(ctx)
	delete(p.passwordErrs, "new_password")
}

func (p *profilePage) onRevealCurrent(ctx app.Context, e app.Event) {
	p.revealCurrent = !p.revealCurrent
}
func (p *profilePage) onRevealNew(ctx app.Context, e app.Event) { p.revealNew = !p.revealNew }

func (p *profilePage) onChangePassword(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.savingPassword {
		return
	}
	req := shared.ChangePasswordRequest{CurrentPassword: p.currentPassword, NewPassword: p.newPassword}
	if err := req.Validate(p.user.Email); err != nil {
		p.passwordErrs, p.passwordNotice = fieldErrors(err), notice{}
		p.focusFirstError(passwordFields, p.passwordErrs)
		return
	}
	p.savingPassword, p.passwordErrs, p.passwordNotice = true, nil, notice{}
	p.background(ctx, func() func(app.Context) {
		err := p.api.ChangePassword(ctx, req)
		var sessions []shared.Session
		var sessionsErr error
		if err == nil {
			sessions, sessionsErr = p.api.Sessions(ctx)
		}
		return func(ctx app.Context) {
			p.savingPassword = false
			switch {
			case isSignedOut(err):
				redirect(loginURL("/profile"))
			case err != nil:
				p.passwordErrs, p.passwordNotice = formErrors(err, passwordFields)
				p.focusFirstError(passwordFields, p.passwordErrs)
			default:
				p.currentPassword, p.newPassword = "", ""
				p.clearInputs("current_password", "new_password")
				p.revealCurrent, p.revealNew = false, false
				p.passwordNotice = successNotice("Your password has been changed. Your other devices have been signed out.")
				if sessionsErr == nil {
					p.sessions = sessions
				}
			}
		}
	})
}

func (p *profilePage) renderSignOut() app.UI {
	return app.Section().Class("card").Aria("labelledby", "signout-heading").Body(
		app.H2().ID("signout-heading").Text("Sign out"),
		p.signOutNotice.render("signout-notice"),
		app.Div().Class("actions").Body(
			actionButton("button", "button", "Log out", "Signing out…", p.signingOut == "this", p.onLogout).
				ID("logout"),
			actionButton("button", "button danger", "Log out everywhere", "Signing out…", p.signingOut == "all", p.onLogoutAll).
				ID("logout-all"),
		),
	)
}

func (p *profilePage) onLogout(ctx app.Context, e app.Event)    { p.signOut(ctx, "this") }
func (p *profilePage) onLogoutAll(ctx app.Context, e app.Event) { p.signOut(ctx, "all") }

// signOut ends this session ("this") or all of them ("all"). A session the
// server already considers over counts as signed out.
func (p *profilePage) signOut(ctx app.Context, which string) {
	if p.signingOut != "" {
		return
	}
	p.signingOut, p.signOutNotice = which, notice{}
	p.background(ctx, func() func(app.Context) {
		logout := p.api.Logout
		if which == "all" {
			logout = p.api.LogoutAll
		}
		err := logout(ctx)
		return func(ctx app.Context) {
			p.signingOut = ""
			if err != nil && !isSignedOut(err) {
				p.signOutNotice = errorNotice(err)
				return
			}
			p.forget()
			redirect("/login")
		}
	})
}

// forget drops everything the page knows about the account, so nothing of
// it stays in memory once signed out.
func (p *profilePage) forget() {
	p.user, p.sessions = nil, nil
	p.name, p.currentPassword, p.newPassword = "", "", ""
}
