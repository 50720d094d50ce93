package app

import (
	"context"
	"errors"
	"strings"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// loginPage is /login. After signing in it goes to ?next= when that is a
// path on this site (see safeNext), else to /profile. For an account with
// a second factor the password leads to a second step, a code
// (login_mfa.go).
type loginPage struct {
	basePage
	api    *Client
	form   Form
	others []app.UI // the modules' ways to sign in (signInWith)

	// The second step: set once the password was right for an account
	// with a second factor, or when another login method sent the visitor
	// here with ?mfa_token=.
	challenge *shared.MFAChallenge
	codeForm  Form
	recovery  bool               // typing a recovery code rather than the app's code
	answers   []SecondStepOption // the modules' answers the challenge takes (a passkey)
	answering string             // the Method of the answer under way, for its spinner
}

func newLoginPage(api *Client) *loginPage {
	return &loginPage{api: api, form: NewForm("email", "password"), codeForm: NewForm("code"), others: signInWith(api, "/login")}
}

func (p *loginPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Log in · authkit")
	if app.IsServer {
		return
	}
	p.sayWhySignedOut()
	if p.takeChallengeFromURL(ctx) {
		return
	}
	p.redirectIfSignedIn(ctx)
}

// sayWhySignedOut explains the form to someone a page sent here because
// their session ended while they used it (it expired, or was ended from
// another device): without a word, the login form in place of what they
// were doing looks like a fault. ?next= then leads back there.
func (p *loginPage) sayWhySignedOut() {
	if p.api.sessionEndedInUse() {
		p.form.Notice = Notice{Kind: "error", Text: "Your session has ended. Log in again to carry on where you left off."}
	}
}

// redirectIfSignedIn skips the form for someone already signed in.
func (p *loginPage) redirectIfSignedIn(ctx app.Context) {
	p.Background(ctx, func() func(app.Context) {
		_, err := p.api.CurrentUser(ctx)
		return func(ctx app.Context) {
			if err == nil && !p.form.Busy {
				redirect(p.next(ctx))
			}
		}
	})
}

func (p *loginPage) next(ctx app.Context) string { return LoginDestination(ctx) }

// LoginDestination is where signing in leads from the login page: its
// ?next= when that is a path on this site, else /profile. Modules' ways to
// sign in go there once they have signed someone in.
func LoginDestination(ctx app.Context) string {
	u := ctx.Page().URL()
	if u == nil {
		return safeNext("")
	}
	return safeNext(u.Query().Get("next"))
}

// loginPath is /login with only its ?next= kept, for taking a token out
// of the address bar.
func loginPath(ctx app.Context) string {
	u := ctx.Page().URL()
	if u == nil || u.Query().Get("next") == "" {
		return "/login"
	}
	return loginURL(strings.TrimSpace(u.Query().Get("next")))
}

func (p *loginPage) Render() app.UI {
	if p.challenge != nil {
		return p.renderSecondStep()
	}
	return Chrome{Path: "/login", Known: true}.Render(
		app.Section().Class("card narrow").Body(
			app.H1().Text("Log in"),
			app.Div().Class("sign-in-with").Body(p.others...),
			p.form.Notice.Render("login-notice"),
			app.Form().ID("login-form").NoValidate(true).OnSubmit(p.onSubmit).Body(
				// "webauthn" lets the browser offer passkeys in the email
				// field's autofill (conditional mediation), when a module
				// asks for them.
				p.form.Input(Field{Name: "email", Label: "Email", Kind: "email", Autocomplete: "username webauthn"}),
				p.form.Input(Field{
					Name: "password", Label: "Password", Kind: "password", Autocomplete: "current-password",
					Revealable: true,
				}),
				SubmitButton("Log in", "Signing in…", p.form.Busy),
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

func (p *loginPage) onSubmit(ctx app.Context, e app.Event) {
	req := shared.LoginRequest{Email: p.form.Value("email"), Password: p.form.Value("password")}
	p.Submit(ctx, e, Submission[shared.User]{
		Form:     &p.form,
		Validate: req.Validate,
		Send:     func(ctx context.Context) (shared.User, error) { return p.api.Login(ctx, req) },
		Done: func(ctx app.Context, _ shared.User) {
			p.form.Set("password", "")
			redirect(p.next(ctx))
		},
		Failed: func(ctx app.Context, err error) bool {
			var apiErr *shared.Error
			if !errors.As(err, &apiErr) || apiErr.Code != shared.CodeMFARequired || apiErr.Challenge == nil {
				return false
			}
			p.ClearFields(&p.form, "password")
			p.startSecondStep(apiErr.Challenge)
			return true
		},
	})
}
