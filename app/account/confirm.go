package account

import (
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
	api *app.Client

	user   *shared.User
	err    error
	done   bool
	notice app.Notice
}

func (p *confirmPage) OnNav(ctx goapp.Context) {
	ctx.Page().SetTitle("Confirm your new email · authkit")
	if goapp.IsServer {
		return
	}
	p.confirm(ctx)
}

func (p *confirmPage) confirm(ctx goapp.Context) {
	var req shared.ConfirmEmailChangeRequest
	if u := ctx.Page().URL(); u != nil {
		req.Token = u.Query().Get("token")
	}
	if err := req.Validate(); err != nil {
		p.done, p.err = true, err
		p.notice = app.Notice{Kind: "error", Text: "This link is incomplete. Open the link from the email again."}
		return
	}
	p.done, p.err, p.notice = false, nil, app.Notice{}
	p.Background(ctx, func() func(goapp.Context) {
		user, err := client{p.api}.confirmEmailChange(ctx, req)
		return func(goapp.Context) {
			p.done, p.err = true, err
			if err != nil {
				p.notice = app.ErrorNotice(err)
				return
			}
			p.user = &user
			p.notice = app.SuccessNotice("Your account's email address is now " + user.Email + ". Your other devices have been signed out.")
		}
	})
}

func (p *confirmPage) onRetry(ctx goapp.Context, e goapp.Event) { p.confirm(ctx) }

func (p *confirmPage) Render() goapp.UI {
	var next goapp.UI
	switch {
	case !p.done:
		next = app.Loading("Changing your email address…")
	case p.err == nil && p.user != nil:
		next = goapp.Div().Class("actions").Body(
			goapp.A().ID("go-profile").Class("button primary").Href("/profile").Text("Go to your profile"),
		)
	case p.err != nil && !app.HasCode(p.err, shared.CodeInvalidToken) && !app.HasCode(p.err, shared.CodeEmailTaken) &&
		!app.HasCode(p.err, shared.CodeValidationFailed):
		next = goapp.Button().Type("button").ID("retry").Class("button").Text("Try again").OnClick(p.onRetry)
	default:
		next = goapp.P().Class("muted").Text("You can ask for the change again on your profile page, once you are logged in.")
	}
	return app.Chrome{Path: "/confirm-email", User: p.user, Known: p.done, API: p.api}.Render(
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
