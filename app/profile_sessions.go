package app

import (
	"context"
	"slices"
	"strings"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The profile page's list of sessions, one per signed-in device, each of
// which can be signed out from here; and signing out everywhere. (This
// device's Log out is in the header, on every page.)

func (p *profilePage) renderSessions() app.UI {
	var list app.UI
	switch {
	case p.sessionsErr != nil:
		list = LoadFailed("sessions-retry", p.sessionsErr, p.onReloadSessions)
	case p.reloadingSessions:
		list = Loading("Loading your sessions…")
	case len(p.sessions) == 0:
		list = app.P().Class("muted").Text("No active sessions.")
	default:
		list = app.Ul().ID("sessions-list").Class("sessions").Body(
			app.Range(p.sessions).Slice(func(i int) app.UI { return p.renderSession(p.sessions[i]) }),
		)
	}
	return app.Section().Class("card").Aria("labelledby", "sessions-heading").Body(
		// Focus lands on the heading when the row that had it is gone.
		app.H2().ID("sessions-heading").TabIndex(-1).Text("Where you're signed in"),
		p.revocation.Notice.Render("sessions-notice"),
		list,
	)
}

func (p *profilePage) renderSession(s shared.Session) app.UI {
	return app.Li().Class("session").DataSet("session", s.ID).Body(
		app.Div().Class("session-main").Body(
			app.Strong().Class("session-device").Title("%s", s.UserAgent).Text(describeUserAgent(s.UserAgent)),
			app.If(s.Current, func() app.UI {
				return app.Span().Class("badge").Text("This device")
			}),
			app.Div().Class("session-meta").Body(
				app.Span().Class("session-ip").Textf("IP %s", orUnknown(s.IP)),
				app.Span().Body(app.Text("Signed in "), TimeTag(s.CreatedAt, FormatDateTime)),
				app.Span().Class("session-method").Text("with "+describeAuthMethod(s.AuthMethod)),
				app.Span().Body(app.Text("Last used "), TimeTag(s.LastUsedAt, FormatDateTime)),
			),
		),
		// The scope ties each handler to its session, so go-app does not
		// keep a stale closure when the list changes (EventScope).
		ActionButton("button", "button small", "Sign out", "Signing out…", p.revocation.Busy && p.revoking == s.ID,
			func(ctx app.Context, e app.Event) { p.revoke(ctx, e, s) }, app.EventScope(s.ID)).
			Aria("label", "Sign out "+describeUserAgent(s.UserAgent)+", last used "+FormatDateTime(s.LastUsedAt)),
	)
}

// onReloadSessions is the sessions' Try again.
func (p *profilePage) onReloadSessions(ctx app.Context, e app.Event) {
	p.sessionsErr, p.reloadingSessions = nil, true
	p.Background(ctx, func() func(app.Context) {
		sessions, err := p.API.Sessions(ctx)
		return func(ctx app.Context) {
			p.reloadingSessions = false
			if !p.SessionEnded(ctx, err) {
				p.sessions, p.sessionsErr = sessions, err
				p.Retried(err, "sessions-retry", "sessions-heading")
			}
		}
	})
}

// revoke signs one session out. Signing out this device's session is a
// logout, and ends at the login form; until then it shows on its row, as
// another session's sign-out does.
func (p *profilePage) revoke(ctx app.Context, e app.Event, s shared.Session) {
	if p.revocation.Busy {
		return
	}
	p.revoking = s.ID
	if s.Current {
		p.signOut(ctx, e, &p.revocation, p.API.Logout)
		return
	}
	p.Submit(ctx, e, Submission[struct{}]{
		Form: &p.revocation,
		Send: func(ctx context.Context) (struct{}, error) { return struct{}{}, p.API.RevokeSession(ctx, s.ID) },
		Done: func(app.Context, struct{}) { p.revoked(s) },
		Failed: func(ctx app.Context, err error) bool {
			switch {
			case p.SessionEnded(ctx, err):
			case HasCode(err, shared.CodeNotFound): // it had already ended
				p.revoked(s)
			default:
				return false
			}
			return true
		},
	})
}

// revoked drops the session's row and says so. Focus goes to the list's
// heading: the row's button that had it is gone, and go-app, which reuses
// the elements of a list that shrinks, would leave it on the Sign out of
// the next row, where a second press of Enter signs out another device.
func (p *profilePage) revoked(s shared.Session) {
	p.sessions = slices.DeleteFunc(p.sessions, func(x shared.Session) bool { return x.ID == s.ID })
	p.revocation.Notice = SuccessNotice("Signed out " + describeUserAgent(s.UserAgent) + ".")
	p.Focus("sessions-heading")
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func (p *profilePage) renderSignOut() app.UI {
	return app.Section().Class("card").Aria("labelledby", "signout-heading").Body(
		app.H2().ID("signout-heading").Text("Sign out everywhere"),
		app.P().Class("muted").Text("Ends every session of your account, this one included: use it if you lost a device or think someone else is signed in."),
		p.signOutForm.Notice.Render("signout-notice"),
		app.Div().Class("actions").Body(
			ActionButton("button", "button danger", "Log out everywhere", "Signing out…", p.signOutForm.Busy, p.onLogoutAll).
				ID("logout-all"),
		),
	)
}

func (p *profilePage) onLogoutAll(ctx app.Context, e app.Event) {
	p.signOut(ctx, e, &p.signOutForm, p.API.LogoutAll)
}

// signOut ends this session or all of them, with logout, busy and failing
// in form: the sessions' (this device's row) or Log out everywhere's. A
// session the server already considers over counts as signed out.
func (p *profilePage) signOut(ctx app.Context, e app.Event, form *Form, logout func(context.Context) error) {
	if form.Busy {
		return
	}
	p.Submit(ctx, e, Submission[struct{}]{
		Form: form,
		Send: func(ctx context.Context) (struct{}, error) { return struct{}{}, logout(ctx) },
		Done: func(app.Context, struct{}) { p.signedOut() },
		Failed: func(_ app.Context, err error) bool {
			if !isSignedOut(err) {
				return false
			}
			p.signedOut()
			return true
		},
	})
}

// signedOut drops everything the page knows about the account, so nothing
// of it stays in memory, and goes to the login form.
func (p *profilePage) signedOut() {
	p.User, p.sessions = nil, nil
	p.nameForm.Reset(nil)
	p.passwordForm.Reset(nil)
	redirect("/login")
}

// describeAuthMethod words how a session signed in: "password + code"
// for "password+totp". Methods this app does not know are shown as the
// server names them.
func describeAuthMethod(method string) string {
	if method == "" {
		return "password"
	}
	words := map[string]string{
		"totp": "code", "recovery_code": "recovery code", "oidc": "social login",
		"external": "another service",
	}
	parts := strings.Split(method, "+")
	for i, part := range parts {
		if w, ok := words[part]; ok {
			parts[i] = w
		}
	}
	return strings.Join(parts, " + ")
}
