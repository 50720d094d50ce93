package app

import (
	"context"
	"slices"
	"strings"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The login's second step: the password was right (or another login
// method identified the visitor), and the account has a second factor.
// The page asks for a code from the authenticator app, or one of the
// recovery codes, and spends the challenge's token with it; or for a
// module's answer the challenge names (a passkey: SecondStepWith).

// takeChallengeFromURL starts the second step when another login method
// sent the visitor here as /login?mfa_token=…&methods=…, and takes the
// token out of the address bar at once, so it stays out of the history
// and of any Referer.
func (p *loginPage) takeChallengeFromURL(ctx app.Context) bool {
	u := ctx.Page().URL()
	if u == nil || u.Query().Get("mfa_token") == "" {
		return false
	}
	q := u.Query()
	methods := strings.Split(q.Get("methods"), ",")
	if q.Get("methods") == "" {
		methods = []string{"totp", "recovery_code"}
	}
	app.Window().Get("history").Call("replaceState", nil, "", loginPath(ctx))
	p.startSecondStep(&shared.MFAChallenge{MFAToken: q.Get("mfa_token"), Methods: methods})
	return true
}

// startSecondStep shows the code form for a challenge. Its code box is
// cleared on the page too: go-app draws it in place of the email box,
// reusing that input, whose typed address would otherwise stay in it
// (see ClearFields).
func (p *loginPage) startSecondStep(ch *shared.MFAChallenge) {
	p.challenge = ch
	p.recovery = !slices.Contains(ch.Methods, "totp") && slices.Contains(ch.Methods, "recovery_code")
	p.answers, p.answering = secondStepWith(p.api, ch.Methods), ""
	p.codeForm.Reset(nil)
	p.ClearFields(&p.codeForm, "code")
	switch {
	case p.takesCodes():
		p.Focus("code")
	case len(p.answers) > 0:
		p.Focus(answerID(p.answers[0]))
	default:
		p.Focus("mfa-cancel")
	}
}

// endSecondStep goes back to the password form, with why. Its email box
// is written on the page too: go-app draws it in place of the code box,
// reusing that input, and writes nothing into it when the form holds no
// address (a provider or a passkey led to the code step), so the code
// typed would stay in it.
func (p *loginPage) endSecondStep(notice Notice) {
	p.challenge, p.recovery, p.answers = nil, false, nil
	p.codeForm.Reset(nil)
	p.form.Notice = notice
	p.writeFields(&p.form, "email")
	p.Focus("email")
}

// takesCodes reports whether the challenge can be answered with a code
// (the app's, or a recovery code). When neither can be checked (the app's
// secret no longer decrypts, no recovery code is left), the server offers
// only a passkey.
func (p *loginPage) takesCodes() bool {
	return slices.Contains(p.challenge.Methods, "totp") || slices.Contains(p.challenge.Methods, "recovery_code")
}

func (p *loginPage) renderSecondStep() app.UI {
	if !p.takesCodes() {
		return p.renderAnswersOnly()
	}
	prompt, label, autocomplete, mode := "Enter the 6-digit code from your authenticator app.", "Authentication code", "one-time-code", "numeric"
	switchLabel := "Use a recovery code instead"
	if p.recovery {
		prompt, label, autocomplete, mode = "Enter one of the recovery codes you saved when you turned on two-factor authentication. Each works once.", "Recovery code", "off", "text"
		switchLabel = "Use your authenticator app instead"
	}
	canSwitch := slices.Contains(p.challenge.Methods, "totp") && slices.Contains(p.challenge.Methods, "recovery_code")
	return Chrome{Path: "/login", Known: true}.Render(
		app.Section().Class("card narrow").Aria("labelledby", "mfa-heading").Body(
			app.H1().ID("mfa-heading").Text("Two-factor authentication"),
			app.P().ID("mfa-prompt").Text(prompt),
			p.codeForm.Notice.Render("mfa-notice"),
			app.Form().ID("mfa-form").NoValidate(true).OnSubmit(p.onSubmitCode).Body(
				p.codeForm.Input(Field{Name: "code", Label: label, Kind: "text", Autocomplete: autocomplete, InputMode: mode}),
				SubmitButton("Verify", "Verifying…", p.codeForm.Busy),
			),
			app.If(canSwitch, func() app.UI {
				return app.P().Class("aside").Body(
					app.Button().Type("button").ID("mfa-switch").Class("button-quiet").Text(switchLabel).OnClick(p.onSwitchMethod),
				)
			}),
			app.Range(p.answers).Slice(func(i int) app.UI {
				return app.P().Class("aside").Body(p.answerButton(p.answers[i], "button-quiet"))
			}),
			app.P().Class("aside").Body(
				app.Button().Type("button").ID("mfa-cancel").Class("button-quiet").Text("Start over").OnClick(p.onStartOver),
			),
		),
	)
}

// renderAnswersOnly draws the second step no code can answer: the
// modules' answers (a passkey) where this browser can give one, else the
// way back to a passkey sign-in, from the start.
func (p *loginPage) renderAnswersOnly() app.UI {
	prompt := "Your authenticator app's codes cannot be checked right now, and no recovery code is left. Start over and sign in with a passkey instead, or ask the site's staff to reset your second factors."
	if len(p.answers) > 0 {
		prompt = "Your authenticator app's codes cannot be checked right now, and no recovery code is left: confirm it's you with a passkey."
	}
	return Chrome{Path: "/login", Known: true}.Render(
		app.Section().Class("card narrow").Aria("labelledby", "mfa-heading").Body(
			app.H1().ID("mfa-heading").Text("Two-factor authentication"),
			app.P().ID("mfa-prompt").Text(prompt),
			p.codeForm.Notice.Render("mfa-notice"),
			app.Range(p.answers).Slice(func(i int) app.UI {
				return app.P().Body(p.answerButton(p.answers[i], "button"))
			}),
			app.P().Class("aside").Body(
				app.Button().Type("button").ID("mfa-cancel").Class(map[bool]string{true: "button-quiet", false: "button"}[len(p.answers) > 0]).
					Text("Start over").OnClick(p.onStartOver),
			),
		),
	)
}

// answerID is the id of a module's answer's button: "mfa-passkey".
func answerID(opt SecondStepOption) string { return "mfa-" + opt.Method }

// answerButton draws a module's answer to the second step, busy while it
// is the one under way.
func (p *loginPage) answerButton(opt SecondStepOption, class string) app.UI {
	busy := p.codeForm.Busy && p.answering == opt.Method
	return ActionButton("button", class, opt.Label, opt.BusyLabel, busy, p.onAnswer(opt.Method), app.EventScope(opt.Method)).
		ID(answerID(opt))
}

// onAnswer completes the login with the module's answer named method.
// The answer and the token are looked up at the click: the challenge may
// have changed since the button was drawn (Start over, a new login).
func (p *loginPage) onAnswer(method string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		i := slices.IndexFunc(p.answers, func(o SecondStepOption) bool { return o.Method == method })
		if i < 0 || p.challenge == nil || p.codeForm.Busy {
			return
		}
		opt, token := p.answers[i], p.challenge.MFAToken
		p.answering = opt.Method
		p.Submit(ctx, e, p.completeWith(nil, func(ctx context.Context) (shared.User, error) { return opt.Answer(ctx, token) }))
	}
}

func (p *loginPage) onSwitchMethod(ctx app.Context, e app.Event) {
	p.recovery = !p.recovery
	p.ClearFields(&p.codeForm, "code")
	p.codeForm.Reset(nil)
	p.Focus("code")
}

func (p *loginPage) onStartOver(ctx app.Context, e app.Event) { p.endSecondStep(Notice{}) }

func (p *loginPage) onSubmitCode(ctx app.Context, e app.Event) {
	if p.codeForm.Busy {
		return // an answer is under way (a passkey's, perhaps): its spinner stays
	}
	req := shared.MFALoginRequest{MFAToken: p.challenge.MFAToken, Code: p.codeForm.Value("code")}
	p.answering = ""
	p.Submit(ctx, e, p.completeWith(req.Validate, func(ctx context.Context) (shared.User, error) { return p.api.LoginMFA(ctx, req) }))
}

// completeWith is the submission of a second step's answer: a code, or a
// module's (send). A refusal that arrives after the visitor has started
// over is news of a step the page has left (perhaps for the next login's
// own): it is dropped. A success still signs in, as the server did.
func (p *loginPage) completeWith(validate func() error, send func(context.Context) (shared.User, error)) Submission[shared.User] {
	answered := p.challenge
	return Submission[shared.User]{
		Form:     &p.codeForm,
		Validate: validate,
		Send:     send,
		Done: func(ctx app.Context, _ shared.User) {
			p.challenge = nil
			redirect(p.next(ctx))
		},
		Failed: func(ctx app.Context, err error) bool {
			if p.challenge != answered {
				return true
			}
			if !HasCode(err, shared.CodeNotAuthenticated) {
				return false
			}
			// The token is spent, expired or out of attempts: the password
			// step comes again.
			p.endSecondStep(ErrorNotice(err))
			return true
		},
	}
}
