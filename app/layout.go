package app

import (
	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Chrome is the frame around a page's content: a skip link, the header with
// the navigation that suits who is signed in (and, for them, who they are
// and a Log out that works from every page), and the main landmark.
type Chrome struct {
	Path  string       // the page's route, marked as the current nav link
	User  *shared.User // who is signed in; nil when nobody is or not known yet
	Known bool         // whether the page has heard from the server who is signed in
	Wide  bool         // for tables: let the content use a wide screen
	API   *Client      // for the header's Log out; nil shows none
}

// Render frames content.
func (c Chrome) Render(content ...app.UI) app.UI {
	return app.Div().Class("shell", wide(c.Wide)).Body(
		app.A().Class("skip-link").Href("#main").OnClick(skipToContent).Text("Skip to content"),
		app.Header().Class("site-header").Body(
			app.Div().Class("site-header-inner").Body(
				// The logo is drawn by the stylesheet: it is decoration,
				// and the link's text already names the site.
				app.A().Class("brand").Href("/").Text("authkit"),
				app.Nav().Class("site-nav").Aria("label", "Main").Body(c.links()...),
				c.account(),
			),
		),
		app.Main().ID("main").Class("container").TabIndex(-1).Body(content...),
		app.Footer().Class("site-footer").Body(
			app.P().Text("authkit: accounts, sessions and an admin, in one Go binary."),
		),
	)
}

func wide(on bool) string {
	if on {
		return "wide"
	}
	return ""
}

// links are the navigation's links: the way in for visitors; for people
// signed in, their profile, each module's page, and the admin for staff.
func (c Chrome) links() []app.UI {
	switch {
	case !c.Known:
		return nil
	case c.User == nil:
		return []app.UI{c.link("/login", "Log in"), c.link("/register", "Create account")}
	}
	links := []app.UI{c.link("/profile", "Profile")}
	for _, m := range modules {
		if m.NavLabel != "" {
			links = append(links, c.link(m.Path, m.NavLabel))
		}
	}
	if c.User.IsStaff {
		links = append(links, c.link("/admin", "Admin"))
	}
	return links
}

// account says who is signed in, beside the Log out button.
func (c Chrome) account() app.UI {
	if c.User == nil || c.API == nil {
		return nil
	}
	return app.Div().Class("account-box").Body(
		app.Span().Class("whoami").Body(
			app.Span().Class("muted").Text("Signed in as "),
			app.Strong().ID("whoami").Text(c.User.Name),
		),
		&logoutButton{api: c.API},
	)
}

func (c Chrome) link(href, label string) app.UI {
	a := app.A().Href(href).Text(label)
	if c.Path == href {
		a = a.Aria("current", "page")
	}
	return a
}

// logoutButton is the header's Log out: it ends this device's session and
// goes to the login form. A session the server already considers over
// counts as ended. Its state is its own, so it keeps working while the
// page around it re-renders.
type logoutButton struct {
	app.Compo
	api    *Client
	busy   bool
	failed error
}

func (b *logoutButton) Render() app.UI {
	return app.Span().Class("logout").Body(
		ActionButton("button", "button small", "Log out", "Signing out…", b.busy, b.onClick).ID("logout"),
		app.If(b.failed != nil, func() app.UI {
			return app.Span().ID("logout-error").Class("field-error").Role("alert").Text(describeError(b.failed))
		}),
	)
}

func (b *logoutButton) onClick(ctx app.Context, e app.Event) {
	if b.busy {
		return
	}
	b.busy, b.failed = true, nil
	ctx.Async(func() {
		err := b.api.Logout(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			b.busy = false
			if err != nil && !isSignedOut(err) {
				b.failed = err
				return
			}
			redirect("/login")
		})
	})
}

// skipToContent moves focus to the page's main content without a
// navigation: go-app takes an in-page link for a visit to the page again
// and runs every OnNav anew, so "Skip to content", the keyboard's first
// stop on every page, posted a mailed link's token a second time (spent,
// it was refused), reloaded lists and dropped the notices that said what
// had just happened. Focusing <main> (tabindex -1) scrolls to it, as the
// link would. The click goes no further than the link, to go-app's
// handler of every link.
func skipToContent(ctx app.Context, e app.Event) {
	e.PreventDefault()
	e.Call("stopPropagation")
	if main := app.Window().GetElementByID("main"); main.Truthy() {
		main.Call("focus")
	}
}
