package app

import (
	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// registerFields are the sign-up form's fields, in the order focus visits them.
var registerFields = []string{"name", "email", "password"}

// registerPage is /register. A new account is signed in at once, so success
// goes straight to /profile.
type registerPage struct {
	basePage
	api *Client

	name, email, password string
	revealed              bool
	errs                  map[string]string
	notice                notice
	busy                  bool
}

func (p *registerPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Create account · authkit")
	if app.IsServer {
		return
	}
	p.background(ctx, func() func(app.Context) {
		_, err := p.api.Me(ctx)
		return func(ctx app.Context) {
			if err == nil && !p.busy {
				redirect("/profile")
			}
		}
	})
}

func (p *registerPage) Render() app.UI {
	return chrome{path: "/register", known: true}.render(
		app.Section().Class("card narrow").Body(
			app.H1().Text("Create your account"),
			p.notice.render("register-notice"),
			app.Form().ID("register-form").NoValidate(true).OnSubmit(p.onSubmit).Body(
				field{
					name: "name", label: "Name", kind: "text", autocomplete: "name",
					value: p.name, err: p.errs["name"], onInput: p.onName,
				}.render(),
				field{
					name: "email", label: "Email", kind: "email", autocomplete: "email",
					value: p.email, err: p.errs["email"], onInput: p.onEmail,
				}.render(),
				field{
					name: "password", label: "Password", kind: "password", autocomplete: "new-password",
					value: p.password, err: p.errs["password"], onInput: p.onPassword,
					onReveal: p.onReveal, revealed: p.revealed,
					hint: strengthHint("password", p.password, shared.NormalizeEmail(p.email)),
				}.render(),
				submitButton("Create account", "Creating account…", p.busy),
			),
			app.P().Class("aside").Body(
				app.Text("Already have an account? "),
				app.A().Href("/login").Text("Log in"),
			),
		),
	)
}

func (p *registerPage) onName(ctx app.Context, e app.Event) {
	p.name = inputValue(ctx)
	delete(p.errs, "name")
}

func (p *registerPage) onEmail(ctx app.Context, e app.Event) {
	p.email = inputValue(ctx)
	delete(p.errs, "email")
}

func (p *registerPage) onPassword(ctx app.Context, e app.Event) {
	p.password = inputValue(ctx)
	delete(p.errs, "password")
}

func (p *registerPage) onReveal(ctx app.Context, e app.Event) { p.revealed = !p.revealed }

func (p *registerPage) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	req := shared.RegisterRequest{Name: p.name, Email: p.email, Password: p.password}
	if err := req.Validate(); err != nil {
		p.errs, p.notice = fieldErrors(err), notice{}
		p.focusFirstError(registerFields, p.errs)
		return
	}
	p.busy, p.errs, p.notice = true, nil, notice{}
	p.background(ctx, func() func(app.Context) {
		_, err := p.api.Register(ctx, req)
		return func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.errs, p.notice = formErrors(err, registerFields)
				p.focusFirstError(registerFields, p.errs)
				return
			}
			p.password = ""
			redirect("/profile")
		}
	})
}

// strengthLabels name shared.PasswordStrength's scores 1 to 4.
var strengthLabels = [...]string{1: "Fair", 2: "Good", 3: "Strong", 4: "Very strong"}

// strengthHint is the live hint under a new-password field: the rule it
// breaks, or how strong it is (shared.PasswordStrength, the same rules the
// server applies). The meter is for the eye; the text is what screen
// readers announce, politely, as it changes.
func strengthHint(name, password, email string) app.UI {
	if password == "" {
		return app.Span().Text("At least 8 characters. A few unrelated words make a strong password.")
	}
	score := shared.PasswordStrength(password, email)
	text := "Strength: " + strengthLabels[max(score, 1)]
	if score == 0 {
		text = shared.ValidatePassword(password, email)
	}
	return app.Div().Class("strength", "strength-"+string(rune('0'+score))).Body(
		app.Meter().ID(name+"-meter").Min(0).Max(4).Low(2).High(3).Optimum(4).Value(score).Aria("hidden", "true"),
		app.Span().ID(name+"-strength").Aria("live", "polite").Text(text),
	)
}
