package app

import (
	"errors"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// verifyEmailPage is /verify-email?token=…, where the link mailed at
// sign-up leads. The page posts the token itself: mail scanners that
// fetch links do not run the app, so they cannot use the link up.
type verifyEmailPage struct {
	basePage
	api   *Client
	token string // taken from the address, which is then cleared of it

	user     *shared.User // the account the link confirmed
	signedIn *shared.User // who is signed in here, for the header: often nobody
	err      error
	done     bool
	notice   Notice
}

func (p *verifyEmailPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Confirm your email · authkit")
	if app.IsServer {
		return
	}
	token := takeToken(ctx)
	if token == "" && (p.token != "" || p.done) {
		// An in-page link (Skip to content) leads here again: the link
		// is posted already, and once spent it would be refused.
		return
	}
	if token != "" {
		p.token = token
	}
	p.verify(ctx, false)
}

// verify posts the token; retried when Try again asks, which then places
// focus once it is over (see Page.Retried): on Try again anew, on the way
// to the profile, or on the page's content when the link is spent.
func (p *verifyEmailPage) verify(ctx app.Context, retried bool) {
	req := shared.VerifyEmailRequest{Token: p.token}
	if err := req.Validate(); err != nil {
		p.done, p.notice = true, Notice{Kind: "error", Text: fieldErrors(err)["token"]}
		return
	}
	p.done, p.err, p.notice = false, nil, Notice{}
	p.Background(ctx, func() func(app.Context) {
		user, err := p.api.VerifyEmail(ctx, req)
		// The link works without a session, so the account it confirmed
		// need not be the one signed in here, if any is: the header asks
		// (unless the server is out of reach, when it would only wait).
		var signedIn *shared.User
		if !errors.Is(err, ErrUnreachable) {
			if me, err := p.api.CurrentUser(ctx); err == nil {
				signedIn = &me
			}
		}
		return func(ctx app.Context) {
			p.done, p.err, p.signedIn = true, err, signedIn
			if retried {
				again := "retry"
				if !p.mayRetry() {
					again = "main" // the link can do no more: no Try again
				}
				p.Retried(err, again, "go-profile")
			}
			if err != nil {
				p.notice = ErrorNotice(err)
				return
			}
			p.user = &user
			p.notice = SuccessNotice("Your email address " + user.Email + " is confirmed. Thank you.")
		}
	})
}

// onRetry tries the link again, once: the second click of a double click
// arrives before the button has gone, and a second request would find the
// token spent by the first and say the link is used.
func (p *verifyEmailPage) onRetry(ctx app.Context, e app.Event) {
	if p.done {
		p.verify(ctx, true)
	}
}

// mayRetry reports whether the link failed for a reason that trying it
// again may cure: not one the server gave for the token itself.
func (p *verifyEmailPage) mayRetry() bool {
	return p.err != nil && !HasCode(p.err, shared.CodeInvalidToken)
}

func (p *verifyEmailPage) Render() app.UI {
	var next app.UI
	switch {
	case !p.done:
		next = Loading("Confirming your email address…")
	case p.err == nil && p.user != nil:
		next = app.Div().Class("actions").Body(
			app.A().ID("go-profile").Class("button primary").Href("/profile").Text("Go to your profile"),
		)
	case p.mayRetry():
		next = app.Button().Type("button").ID("retry").Class("button").Text("Try again").OnClick(p.onRetry)
	default:
		next = app.P().Class("muted").Text("You can ask for a new link on your profile page, once you are logged in.")
	}
	return Chrome{Path: "/verify-email", User: p.signedIn, Known: p.done, API: p.api}.Render(
		app.Section().ID("verify-email").Class("card narrow").Body(
			app.H1().Text("Confirm your email"),
			p.notice.Render("verify-notice"),
			next,
		),
	)
}
