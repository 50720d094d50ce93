package account

import (
	"errors"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// basePage is app.Page under a lower-case name (see app.Page).
type basePage = app.Page

// confirmPage is /confirm-email?token=…, where the link mailed to a new
// address leads. The page posts the token itself, so a mail scanner that
// fetches the link does not use it up.
type confirmPage struct {
	basePage
	api   *app.Client
	token string // taken from the address, which is then cleared of it

	user     *shared.User // the account the link moved to its new address
	signedIn *shared.User // who is signed in here, for the header: often nobody
	err      error
	done     bool
	notice   app.Notice
}

func (p *confirmPage) OnNav(ctx goapp.Context) {
	ctx.Page().SetTitle("Confirm your new email · authkit")
	if goapp.IsServer {
		return
	}
	token := app.TakeToken(ctx)
	if token == "" && (p.token != "" || p.done) {
		// An in-page link (Skip to content) leads here again: the link
		// is posted already, and once spent it would be refused.
		return
	}
	if token != "" {
		p.token = token
	}
	p.confirm(ctx, false)
}

// confirm posts the token; retried when Try again asks, which then places
// focus once it is over (see app.Page.Retried): on Try again anew, on the
// way to the profile, or on the page's content when the link is spent.
func (p *confirmPage) confirm(ctx goapp.Context, retried bool) {
	req := shared.ConfirmEmailChangeRequest{Token: p.token}
	if err := req.Validate(); err != nil {
		p.done, p.err = true, err
		p.notice = app.Notice{Kind: "error", Text: "This link is incomplete. Open the link from the email again."}
		return
	}
	p.done, p.err, p.notice = false, nil, app.Notice{}
	p.Background(ctx, func() func(goapp.Context) {
		user, err := client{p.api}.confirmEmailChange(ctx, req)
		// The link works without a session, so the account it changed
		// need not be the one signed in here, if any is: the header asks
		// (unless the server is out of reach, when it would only wait).
		var signedIn *shared.User
		if !errors.Is(err, app.ErrUnreachable) {
			if me, err := p.api.CurrentUser(ctx); err == nil {
				signedIn = &me
			}
		}
		return func(goapp.Context) {
			p.done, p.err, p.signedIn = true, err, signedIn
			if retried {
				again := "retry"
				if !p.mayRetry() {
					again = "main" // the link can do no more: no Try again
				}
				p.Retried(err, again, "go-profile")
			}
			if err != nil {
				p.notice = app.ErrorNotice(err)
				return
			}
			p.user = &user
			p.notice = app.SuccessNotice("Your account's email address is now " + user.Email + ". Your other devices have been signed out.")
		}
	})
}

// onRetry tries the link again, once: the second click of a double click
// arrives before the button has gone, and a second request would find the
// token spent by the first and say the link is used.
func (p *confirmPage) onRetry(ctx goapp.Context, e goapp.Event) {
	if p.done {
		p.confirm(ctx, true)
	}
}

// mayRetry reports whether the change failed for a reason that trying
// the link again may cure: not one the server gave for the token or the
// address itself.
func (p *confirmPage) mayRetry() bool {
	return p.err != nil && !app.HasCode(p.err, shared.CodeInvalidToken) && !app.HasCode(p.err, shared.CodeEmailTaken) &&
		!app.HasCode(p.err, shared.CodeValidationFailed)
}

func (p *confirmPage) Render() goapp.UI {
	var next goapp.UI
	switch {
	case !p.done:
		next = app.Loading("Changing your email address…")
	case p.err == nil && p.user != nil:
		next = goapp.Div().Class("actions").Body(
			goapp.A().ID("go-profile").Class("button primary").Href("/profile").Text("Go to your profile"),
		)
	case p.mayRetry():
		next = goapp.Button().Type("button").ID("retry").Class("button").Text("Try again").OnClick(p.onRetry)
	default:
		next = goapp.P().Class("muted").Text("You can ask for the change again on your profile page, once you are logged in.")
	}
	return app.Chrome{Path: "/confirm-email", User: p.signedIn, Known: p.done, API: p.api}.Render(
		goapp.Section().ID("confirm-email").Class("card narrow").Body(
			goapp.H1().Text("Confirm your new email"),
			p.notice.Render("confirm-notice"),
			next,
		),
	)
}

// goodbyePage is /goodbye, where deleting one's account ends.
type goodbyePage struct{ basePage }

func (p *goodbyePage) OnNav(ctx goapp.Context) { ctx.Page().SetTitle("Account deleted · authkit") }

func (p *goodbyePage) Render() goapp.UI {
	return app.Chrome{Path: "/goodbye", Known: true}.Render(
		goapp.Section().ID("goodbye").Class("card narrow").Body(
			goapp.H1().Text("Your account has been deleted"),
			goapp.P().Text("Your account, your sessions, your history and your data are gone. We sent a last email to say so."),
			goapp.Div().Class("actions").Body(
				goapp.A().ID("go-home").Class("button").Href("/").Text("Back to the home page"),
			),
		),
	)
}
