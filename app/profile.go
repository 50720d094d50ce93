package app

import (
	"context"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The profile page's forms, each with its fields in focus order.
var (
	nameFields     = []string{"name"}
	passwordFields = []string{"current_password", "new_password"}
)

// profilePage is /profile: the account's details, a form to rename it
// and one to change its password (profile_forms.go), its sessions and the
// way to sign out everywhere (profile_sessions.go), and the modules' cards,
// each section reachable by an in-page link (profile_sections.go).
// Signed-out visitors are sent to the login form.
type profilePage struct {
	signedInPage
	sections []ProfileSection // the modules' cards

	resend       Form // the button that mails a new confirmation link
	nameForm     Form
	passwordForm Form

	sessions          []shared.Session
	sessionsErr       error
	reloadingSessions bool   // asked again after they failed to load
	revocation        Form   // the sessions' notice, and the sign-out of one in flight
	revoking          string // id of the session being signed out

	signOutForm Form // the Log out everywhere button

	setPassword Form // the button that mails a link to set a first password

	reauth Reauth // asks for the password again before a password change
}

func newProfilePage(api *Client) *profilePage {
	return &profilePage{
		signedInPage: NewSignedInPage(api, "/profile"),
		sections:     moduleSections(api),
		nameForm:     NewForm(nameFields...),
		passwordForm: NewForm(passwordFields...),
		reauth:       NewReauth("password-reauth"),
	}
}

func (p *profilePage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Your profile · authkit")
	if app.IsServer {
		return
	}
	if u := ctx.Page().URL(); p.User != nil && u != nil && u.Fragment != "" {
		p.focusFragment(ctx) // an in-page link: nothing to load again
		return
	}
	p.Load(ctx, func(ctx context.Context) (func(app.Context), error) {
		apply, err := p.loadSessions(ctx)
		if err != nil {
			return nil, err
		}
		return func(c app.Context) { apply(c); p.focusFragment(c) }, nil
	})
}

// loadSessions fetches the sessions with the user. A failure to list them
// shows in their card (with a retry) rather than failing the page.
func (p *profilePage) loadSessions(ctx context.Context) (func(app.Context), error) {
	sessions, err := p.API.Sessions(ctx)
	if isSignedOut(err) {
		return nil, err
	}
	return func(app.Context) {
		p.nameForm.Set("name", p.User.Name)
		p.sessions, p.sessionsErr = sessions, err
	}, nil
}

func (p *profilePage) Render() app.UI {
	if waiting := p.Waiting("Loading your profile…"); waiting != nil {
		return p.Chrome().Render(app.H1().Text("Your profile"), waiting)
	}
	return p.Chrome().Render(append([]app.UI{app.H1().Text("Your profile")}, p.renderSections(map[string][]app.UI{
		"account":  {p.renderAccount(), p.renderNameForm()},
		"security": {p.renderPasswordForm()},
		"sessions": {p.renderSessions(), p.renderSignOut()},
	})...)...)
}

func (p *profilePage) renderAccount() app.UI {
	u := p.User
	lastLogin := app.UI(app.Text("Never"))
	if u.LastLogin != nil {
		lastLogin = TimeTag(*u.LastLogin, FormatDateTime)
	}
	card := []app.UI{
		app.H2().ID("account-heading").Text("Account"),
		app.Dl().ID("account-details").Class("details").Body(
			app.Dt().Text("Name"), app.Dd().ID("account-name").Text(u.Name),
			app.Dt().Text("Email"), app.Dd().Body(
				app.Span().ID("account-email").Text(u.Email),
				app.If(!u.EmailVerified, func() app.UI {
					return app.Span().ID("email-unconfirmed").Class("badge no").Text("Not confirmed")
				}),
			),
			app.Dt().Text("Member since"), app.Dd().ID("account-joined").Body(TimeTag(u.DateJoined, formatDate)),
			app.Dt().Text("Last login"), app.Dd().ID("account-last-login").Body(lastLogin),
		),
	}
	for _, m := range modules {
		if m.ProfileAside != nil {
			card = append(card, m.ProfileAside())
		}
	}
	card = append(card, app.If(!u.EmailVerified, p.renderConfirmEmail))
	return app.Section().Class("card").Aria("labelledby", "account-heading").Body(card...)
}

// renderConfirmEmail offers a new confirmation link to someone who has not
// used the one mailed at sign-up.
func (p *profilePage) renderConfirmEmail() app.UI {
	return app.Div().Class("confirm-email").Body(
		p.resend.Notice.Render("verify-notice"),
		app.P().Class("muted").Text("Your email address is not confirmed yet. Open the link we mailed you, or ask for a new one."),
		ActionButton("button", "button small", "Send a new link", "Sending…", p.resend.Busy, p.onResend).ID("resend-verification"),
	)
}

func (p *profilePage) onResend(ctx app.Context, e app.Event) {
	p.Submit(ctx, e, Submission[string]{
		Form: &p.resend,
		Send: p.API.ResendVerification,
		Done: func(_ app.Context, message string) {
			if message == "" {
				message = "We sent a new link to " + p.User.Email + "."
			}
			p.resend.Notice = SuccessNotice(message)
		},
		Failed: p.SessionEnded,
	})
}
