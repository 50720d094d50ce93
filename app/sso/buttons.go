package sso

import (
	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared/sso"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// signInButtons are the login and register pages' buttons, one per
// provider the server offers (none when it offers none), above an "or"
// that leads to the password form. A sign-in that came back with
// ?error=CODE&provider=ID is explained above them.
type signInButtons struct {
	basePage
	api       client
	page      string // "/login" or "/register"
	next      string // the login page's ?next=, passed on
	providers []sso.LoginProvider
	failure   sso.Failure
	failedID  string // the provider that failed
}

func newSignInButtons(api *app.Client, page string) *signInButtons {
	return &signInButtons{api: client{api}, page: page}
}

// OnMount reads why the last sign-in failed, if it did, and lists the
// providers.
func (b *signInButtons) OnMount(ctx goapp.Context) {
	b.basePage.OnMount(ctx)
	if u := ctx.Page().URL(); u != nil {
		q := u.Query()
		b.failure, b.failedID, b.next = sso.Failure(q.Get("error")), q.Get("provider"), q.Get("next")
	}
	b.Background(ctx, func() func(goapp.Context) {
		list, err := b.api.providers(ctx)
		return func(goapp.Context) {
			if err == nil {
				b.providers = list
			}
		}
	})
}

func (b *signInButtons) Render() goapp.UI {
	notice := app.Notice{}
	if b.failure != "" {
		notice = app.Notice{Kind: "error", Text: failureText(b.failure, providerName(b.providers, b.failedID))}
	}
	verb := "Sign in with "
	if b.page == "/register" {
		verb = "Sign up with "
	}
	return goapp.Div().ID("sign-in-providers").Body(
		notice.Render("sso-notice"),
		goapp.If(len(b.providers) > 0, func() goapp.UI {
			return goapp.Div().Body(
				goapp.Ul().Class("providers").Aria("label", "Other ways to sign in").Body(
					goapp.Range(b.providers).Slice(func(i int) goapp.UI {
						p := b.providers[i]
						return goapp.Li().Body(
							goapp.A().ID("sign-in-" + p.ID).Class("button provider").
								Href(startURL(p.ID, b.next, false)).OnClick(leaveForServer).Text(verb + p.Name),
						)
					}),
				),
				goapp.P().Class("divider").Aria("hidden", "true").Text("or"),
			)
		}),
	)
}
