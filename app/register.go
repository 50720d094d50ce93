package app

import (
	"context"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// registerPage is /register. A new account is signed in at once, so success
// goes straight to /profile.
type registerPage struct {
	basePage
	api    *Client
	form   Form
	others []app.UI // the modules' ways to sign in (signInWith)
}

func newRegisterPage(api *Client) *registerPage {
	return &registerPage{api: api, form: NewForm("name", "email", "password"), others: signInWith(api, "/register")}
}

func (p *registerPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Create account · authkit")
	if app.IsServer {
		return
	}
	p.Background(ctx, func() func(app.Context) {
		_, err := p.api.CurrentUser(ctx)
		return func(ctx app.Context) {
			if err == nil && !p.form.Busy {
				redirect("/profile")
			}
		}
	})
}

func (p *registerPage) Render() app.UI {
	password := p.form.Value("password")
	return Chrome{Path: "/register", Known: true}.Render(
		app.Section().Class("card narrow").Body(
			app.H1().Text("Create your account"),
			app.Div().Class("sign-in-with").Body(p.others...),
			p.form.Notice.Render("register-notice"),
			app.Form().ID("register-form").NoValidate(true).OnSubmit(p.onSubmit).Body(
				p.form.Input(Field{Name: "name", Label: "Name", Kind: "text", Autocomplete: "name"}),
				p.form.Input(Field{Name: "email", Label: "Email", Kind: "email", Autocomplete: "email"}),
				p.form.Input(Field{
					Name: "password", Label: "Password", Kind: "password", Autocomplete: "new-password",
					Revealable: true,
					Hint:       strengthHint("password", password, shared.NormalizeEmail(p.form.Value("email"))),
				}),
				SubmitButton("Create account", "Creating account…", p.form.Busy),
			),
			app.P().Class("aside").Body(
				app.Text("Already have an account? "),
				app.A().Href("/login").Text("Log in"),
			),
		),
	)
}

func (p *registerPage) onSubmit(ctx app.Context, e app.Event) {
	req := shared.RegisterRequest{Name: p.form.Value("name"), Email: p.form.Value("email"), Password: p.form.Value("password")}
	p.Submit(ctx, e, Submission[shared.User]{
		Form:     &p.form,
		Validate: req.Validate,
		Send:     func(ctx context.Context) (shared.User, error) { return p.api.Register(ctx, req) },
		Done: func(app.Context, shared.User) {
			p.form.Set("password", "")
			redirect("/profile")
		},
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
