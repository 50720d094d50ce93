package app

import (
	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// homePage is the landing page at /: what authkit is, and the way in (or,
// for someone signed in, the way to their profile).
type homePage struct {
	basePage
	api *Client

	user  *shared.User
	known bool // the server has said whether someone is signed in
}

// OnNav asks who is signed in. The server's prerender skips it: no user
// data ever goes into server-rendered HTML.
func (p *homePage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("authkit: sign-in for your Go app")
	if app.IsServer {
		return
	}
	p.Background(ctx, func() func(app.Context) {
		user, err := p.api.CurrentUser(ctx)
		return func(ctx app.Context) {
			p.known = true
			if err == nil {
				p.user = &user
			}
		}
	})
}

func (p *homePage) Render() app.UI {
	return Chrome{Path: "/", User: p.user, Known: p.known, API: p.api}.Render(
		app.Section().Class("hero").Body(
			app.H1().Text("Accounts for your Go app, in one binary"),
			app.P().Class("lead").Text(
				"authkit signs people up and in, keeps their sessions safe with short-lived "+
					"tokens in secure cookies, and gives your staff a small admin. "+
					"The server, the database layer and this WebAssembly app ship as a single static binary."),
			p.actions(),
		),
		app.Ul().Class("features").Body(
			feature("Sessions you can see", "Every signed-in device is listed on your profile, and you can sign any of them out."),
			feature("Passwords done carefully", "Argon2id hashing, checks against common passwords, and rate-limited sign-in."),
			feature("An admin that stays small", "Staff can find accounts and deactivate them; deactivated accounts are signed out at once."),
		),
	)
}

func (p *homePage) actions() app.UI {
	switch {
	case !p.known:
		return app.Div().Class("actions").Aria("busy", "true")
	case p.user != nil:
		return app.Div().Class("actions").Body(
			app.P().Textf("Signed in as %s.", p.user.Name),
			app.A().ID("go-profile").Class("button primary").Href("/profile").Text("Go to your profile"),
		)
	default:
		return app.Div().Class("actions").Body(
			app.A().ID("go-login").Class("button primary").Href("/login").Text("Log in"),
			app.A().ID("go-register").Class("button").Href("/register").Text("Create account"),
		)
	}
}

func feature(title, text string) app.UI {
	return app.Li().Class("card").Body(
		app.H2().Text(title),
		app.P().Text(text),
	)
}
