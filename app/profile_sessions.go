package app

import (
	"slices"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The profile page's list of sessions: one per signed-in device, each of
// which can be signed out from here.

func (p *profilePage) renderSessions() app.UI {
	var list app.UI
	switch {
	case p.sessionsErr != nil:
		list = loadFailed(p.sessionsErr, p.onReloadSessions)
	case len(p.sessions) == 0:
		list = app.P().Class("muted").Text("No active sessions.")
	default:
		list = app.Ul().ID("sessions").Class("sessions").Body(
			app.Range(p.sessions).Slice(func(i int) app.UI { return p.renderSession(p.sessions[i]) }),
		)
	}
	return app.Section().Class("card").Aria("labelledby", "sessions-heading").Body(
		app.H2().ID("sessions-heading").Text("Where you're signed in"),
		p.sessionsNotice.render("sessions-notice"),
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
				app.Span().Body(app.Text("Signed in "), timeTag(s.CreatedAt, formatDateTime)),
				app.Span().Body(app.Text("Last used "), timeTag(s.LastUsedAt, formatDateTime)),
			),
		),
		// The scope ties each handler to its session, so go-app does not
		// keep a stale closure when the list changes (EventScope).
		actionButton("button", "button small", "Sign out", "Signing out…", p.revoking == s.ID,
			func(ctx app.Context, e app.Event) { p.revoke(ctx, s) }, app.EventScope(s.ID)).
			Aria("label", "Sign out "+describeUserAgent(s.UserAgent)+", last used "+formatDateTime(s.LastUsedAt)),
	)
}

func (p *profilePage) onReloadSessions(ctx app.Context, e app.Event) {
	p.sessionsErr = nil
	p.background(ctx, func() func(app.Context) {
		sessions, err := p.api.Sessions(ctx)
		return func(ctx app.Context) {
			if isSignedOut(err) {
				redirect(loginURL("/profile"))
				return
			}
			p.sessions, p.sessionsErr = sessions, err
		}
	})
}

// revoke signs one session out. Signing out this device's session is a
// logout, and ends at the login form.
func (p *profilePage) revoke(ctx app.Context, s shared.Session) {
	if p.revoking != "" {
		return
	}
	if s.Current {
		p.signOut(ctx, "this")
		return
	}
	p.revoking, p.sessionsNotice = s.ID, notice{}
	p.background(ctx, func() func(app.Context) {
		err := p.api.RevokeSession(ctx, s.ID)
		return func(ctx app.Context) {
			p.revoking = ""
			switch {
			case isSignedOut(err):
				redirect(loginURL("/profile"))
			case err != nil && !hasCode(err, shared.CodeNotFound):
				p.sessionsNotice = errorNotice(err)
			default: // not_found: it had already ended
				p.sessions = slices.DeleteFunc(p.sessions, func(x shared.Session) bool { return x.ID == s.ID })
				p.sessionsNotice = successNotice("Signed out " + describeUserAgent(s.UserAgent) + ".")
			}
		}
	})
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
