package app

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// notFoundPage answers every path no other page claims. The server sends
// it with status 404 (see server/webui); in the browser it is what an
// unknown link shows.
type notFoundPage struct{ basePage }

func (p *notFoundPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Page not found · authkit")
}

func (p *notFoundPage) Render() app.UI {
	return Chrome{Known: false}.Render(
		app.Section().ID("not-found").Class("card narrow").Body(
			app.H1().Text("Page not found"),
			app.P().Text("There is nothing at this address. It may have moved, or the link may have a typo."),
			app.Div().Class("actions").Body(
				app.A().Class("button primary").Href("/").Text("Go to the home page"),
				app.A().Class("button").Href("/profile").Text("Your profile"),
			),
		),
	)
}
