package app

import (
	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// loginFields are the login form's fields, in the order focus visits them.
var loginFields = []string{"email", "password"}

// loginPage is /login. After signing in it goes to ?next= when that is a
// path on this site (see safeNext), else to /profile.
type loginPage struct {
	basePage
	api *Client

	email, password string
	revealed        bool
	errs            map[string]string
	notice          notice
	busy            bool
}

func (p *loginPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Log in · authkit")
	if app.IsServer {
		return
	}
	p.redirectIfSignedIn(ctx)
}

// redirectIfSignedIn skips the form for someone already signed in.
func (p *loginPage) redirectIfSignedIn(ctx app.Context) {
	p.background(ctx, func() func(app.Context) {
		_, err := p.api.Me(ctx)
		return func(ctx app.Context) {
			if err == nil && !p.busy {
				redirect(p.next(ctx))
			}
		}
	})
}

func (p *loginPage) next(ctx app.Context) string {
	u := ctx.Page().URL()
	if u == nil {
		return safeNext("")
	}
	return safeNext(u.Query().Get("next"))
}

func (p *loginPage) Render() app.UI {
	return chrome{path: "/login", known: true}.render(
		app.Section().Class("card narrow").Body(
			app.H1().Text("Log in"),
			p.notice.render("login-notice"),
			app.Form().ID("login-form").NoValidate(true).OnSubmit(p.onSubmit).Body(
				field{
					name: "email", label: "Email", kind: "email", autocomplete: "email",
					value: p.email, err: p.errs["email"], onInput: p.onEmail,
				}.render(),
				field{
					name: "password", label: "Password", kind: "password", autocomplete: "current-password",
					value: p.password, err: p.errs["password"], onInput: p.onPassword,
					onReveal: p.onReveal, revealed: p.revealed,
				}.render(),
				submitButton("Log in", "Signing in…", p.busy),
			),
			app.P().Class("aside").Body(
				app.A().ID("forgot-password").Href("/forgot-password").Text("Forgot your password?"),
			),
			app.P().Class("aside").Body(
				app.Text("New here? "),
				app.A().Href("/register").Text("Create an account"),
			),
		),
	)
}

func (p *loginPage) onEmail(ctx app.Context, e app.Event) {
	p.email = inputValue(ctx)
	delete(p.errs, "email")
}

func (p *loginPage) onPassword(ctx app.Context, e app.Event) {
	p.password = inputValue(ctx)
	delete(p.errs, "password")
}

func (p *loginPage) onReveal(ctx app.Context, e app.Event) { p.revealed = !p.revealed }

func (p *loginPage) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	req := shared.LoginRequest{Email: p.email, Password: p.password}
	if err := req.Validate(); err != nil {
		p.errs, p.notice = fieldErrors(err), notice{}
		p.focusFirstError(loginFields, p.errs)
		return
	}
	p.busy, p.errs, p.notice = true, nil, notice{}
	p.background(ctx, func() func(app.Context) {
		_, err := p.api.Login(ctx, req)
		return func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.errs, p.notice = formErrors(err, loginFields)
				p.focusFirstError(loginFields, p.errs)
				return
			}
			p.password = ""
			redirect(p.next(ctx))
		}
	})
}
