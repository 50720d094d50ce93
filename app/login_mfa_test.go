package app

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/authkit/authkit/app/internal/pagetest"
	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

func TestDecodeError_MFARequiredCarriesTheChallenge(t *testing.T) {
	body := `{"error":{"code":"mfa_required","message":"Give your second factor."},"mfa_token":"tok","methods":["totp","recovery_code"]}`
	err := decodeError(http.StatusUnauthorized, http.Header{}, []byte(body))
	if err.Code != shared.CodeMFARequired || err.Challenge == nil ||
		err.Challenge.MFAToken != "tok" || strings.Join(err.Challenge.Methods, ",") != "totp,recovery_code" {
		t.Fatalf("decoded %+v (challenge %+v)", err, err.Challenge)
	}
}

func TestLoginPage_SecondStepAsksForTheAppsCodeThenARecoveryCode(t *testing.T) {
	p := newLoginPage(nil)
	p.startSecondStep(&shared.MFAChallenge{MFAToken: "tok", Methods: []string{"totp", "recovery_code"}})
	html := app.HTMLString(p.Render())
	if !strings.Contains(html, "Enter the 6-digit code from your authenticator app.") || !strings.Contains(html, "Use a recovery code instead") {
		t.Fatalf("second step:\n%s", html)
	}
	code := pagetest.TagsByID(html, "input")["code"]
	if code["autocomplete"] != "one-time-code" || code["inputmode"] != "numeric" {
		t.Errorf("code input = %v", code)
	}
	if _, ok := pagetest.TagsByID(html, "input")["password"]; ok {
		t.Error("the second step still shows the password")
	}

	p.onSwitchMethod(app.Context{}, app.Event{})
	html = app.HTMLString(p.Render())
	if !strings.Contains(html, "recovery codes you saved") || !strings.Contains(html, "Use your authenticator app instead") {
		t.Fatalf("recovery code step:\n%s", html)
	}

	// Only recovery codes left to offer: no switch.
	p.startSecondStep(&shared.MFAChallenge{MFAToken: "tok", Methods: []string{"recovery_code"}})
	if html := app.HTMLString(p.Render()); strings.Contains(html, `id="mfa-switch"`) || !strings.Contains(html, "Recovery code") {
		t.Errorf("recovery-only step:\n%s", html)
	}
}

func TestDescribeAuthMethod(t *testing.T) {
	for method, want := range map[string]string{
		"password": "password", "password+totp": "password + code", "password+recovery_code": "password + recovery code",
		"passkey": "passkey", "oidc+totp": "social login + code", "": "password", "saml": "saml",
	} {
		if got := describeAuthMethod(method); got != want {
			t.Errorf("describeAuthMethod(%q) = %q, want %q", method, got, want)
		}
	}
}

// TestLoginPage_SecondStepOffersWhatTheServerOffers: the server lists the
// second factors it can check. When it can check neither an app's code
// (its secret no longer decrypts) nor a recovery code (none left), it
// offers only a passkey: the step must not ask for the authenticator
// app's 6-digit code, which the server answers "That kind of code cannot
// be checked right now", with no other way offered on the step.
func TestLoginPage_SecondStepOffersWhatTheServerOffers(t *testing.T) {
	p := newLoginPage(nil)
	p.startSecondStep(&shared.MFAChallenge{MFAToken: "tok", Methods: []string{"passkey"}})
	html := app.HTMLString(p.Render())
	if strings.Contains(html, "6-digit code from your authenticator app") || strings.Contains(html, `id="mfa-form"`) {
		t.Errorf("offered only a passkey, the step asks for the authenticator app's code: %q", pagetest.TextByID(html, "mfa-prompt"))
	}
	if !strings.Contains(pagetest.TextByID(html, "mfa-prompt"), "passkey") || !strings.Contains(html, `id="mfa-cancel"`) {
		t.Errorf("offered only a passkey, the step does not lead to one: %q", pagetest.TextByID(html, "mfa-prompt"))
	}
}

// mountedLogin mounts the login page in go-app's test engine, which calls
// OnPreRender where a browser calls OnMount.
type mountedLogin struct{ *loginPage }

func (m *mountedLogin) OnPreRender(ctx app.Context) { m.OnMount(ctx) }

// TestLoginPage_SecondStepOffersAModulesAnswer: a module's answer (a
// passkey) shows on the second step when the challenge names its method
// and the browser can give it: beside the code, or as the step's one way
// when no code can be checked. Pressing it sends the challenge's token
// with the module's proof; a failure stays on the step, in words.
func TestLoginPage_SecondStepOffersAModulesAnswer(t *testing.T) {
	saved := modules
	t.Cleanup(func() { modules = saved })
	answered := make(chan string, 1)
	canUse := true
	modules = []Module{{SecondStepWith: func(*Client) (SecondStepOption, bool) {
		return SecondStepOption{Method: "passkey", Label: "Use a passkey instead", BusyLabel: "Waiting…",
			Answer: func(_ context.Context, token string) (shared.User, error) {
				answered <- token
				return shared.User{}, NewProblem("The passkey prompt was closed before a passkey was chosen.")
			}}, canUse
	}}}
	for _, c := range []struct {
		name       string
		methods    []string
		canUse     bool
		want, lack []string
	}{
		{"beside the codes", []string{"totp", "recovery_code", "passkey"}, true,
			[]string{`id="mfa-form"`, `id="mfa-passkey"`, "Use a passkey instead"}, nil},
		{"not named", []string{"totp", "recovery_code"}, true, []string{`id="mfa-form"`}, []string{`id="mfa-passkey"`}},
		{"not in this browser", []string{"totp", "passkey"}, false, []string{`id="mfa-form"`}, []string{`id="mfa-passkey"`}},
		{"the one way", []string{"passkey"}, true,
			[]string{`id="mfa-passkey"`, "with a passkey.", `id="mfa-cancel"`}, []string{`id="mfa-form"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			canUse = c.canUse
			p := newLoginPage(nil)
			p.startSecondStep(&shared.MFAChallenge{MFAToken: "tok", Methods: c.methods})
			html := app.HTMLString(p.Render())
			for _, s := range c.want {
				if !strings.Contains(html, s) {
					t.Errorf("the step lacks %s: %s", s, html)
				}
			}
			for _, s := range c.lack {
				if strings.Contains(html, s) {
					t.Errorf("the step has %s: %s", s, html)
				}
			}
		})
	}

	canUse = true
	p := newLoginPage(nil)
	engine := app.NewTestEngine()
	if err := engine.Load(&mountedLogin{p}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	p.startSecondStep(&shared.MFAChallenge{MFAToken: "the-token", Methods: []string{"passkey"}})
	p.onAnswer("passkey")(p.self, app.Event{})
	if got := <-answered; got != "the-token" {
		t.Fatalf("the answer was sent with token %q", got)
	}
	engine.ConsumeAll()
	html := app.HTMLString(p.Render())
	if p.challenge == nil || p.codeForm.Busy || !strings.Contains(html, "prompt was closed") {
		t.Fatalf("after a failed answer: challenge %v, busy %v, notice %+v", p.challenge, p.codeForm.Busy, p.codeForm.Notice)
	}
}

// TestLoginPage_ACodeSentWhileAPasskeyAnswersKeepsThePasskeysSpinner: the
// code's Enter, pressed while the passkey's answer is under way, sends
// nothing (one answer at a time), and must leave the passkey's button
// showing that it is waiting, not a button that looks idle while the
// form is busy.
func TestLoginPage_ACodeSentWhileAPasskeyAnswersKeepsThePasskeysSpinner(t *testing.T) {
	saved := modules
	t.Cleanup(func() { modules = saved })
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	modules = []Module{{SecondStepWith: func(*Client) (SecondStepOption, bool) {
		return SecondStepOption{Method: "passkey", Label: "Use a passkey instead", BusyLabel: "Waiting for the passkey…",
			Answer: func(ctx context.Context, token string) (shared.User, error) {
				<-release
				return shared.User{}, NewProblem("closed")
			}}, true
	}}}
	p := newLoginPage(nil)
	engine := app.NewTestEngine()
	if err := engine.Load(&mountedLogin{p}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	p.startSecondStep(&shared.MFAChallenge{MFAToken: "tok", Methods: []string{"totp", "passkey"}})
	p.onAnswer("passkey")(p.self, app.Event{})
	p.codeForm.Set("code", "123456")
	p.onSubmitCode(p.self, app.Event{})
	if html := app.HTMLString(p.Render()); !strings.Contains(html, "Waiting for the passkey…") {
		t.Errorf("the code's Enter, while the passkey answers, took the passkey's spinner away: %s", html)
	}
}

// TestLoginPage_AnAnswerLeftBehindByStartOverDoesNotEndTheNextStep: Start
// over while an answer is under way, a new login and its own second step;
// the old answer's refusal, arriving late, is news of a challenge the page
// has left. It must neither end the new step nor show on it.
func TestLoginPage_AnAnswerLeftBehindByStartOverDoesNotEndTheNextStep(t *testing.T) {
	saved := modules
	t.Cleanup(func() { modules = saved })
	release := make(chan struct{})
	modules = []Module{{SecondStepWith: func(*Client) (SecondStepOption, bool) {
		return SecondStepOption{Method: "passkey", Label: "Use a passkey instead", BusyLabel: "Waiting for the passkey…",
			Answer: func(ctx context.Context, token string) (shared.User, error) {
				<-release
				return shared.User{}, shared.NewError(shared.CodeNotAuthenticated, "This sign-in has expired. Start again.")
			}}, true
	}}}
	p := newLoginPage(nil)
	engine := app.NewTestEngine()
	if err := engine.Load(&mountedLogin{p}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	p.startSecondStep(&shared.MFAChallenge{MFAToken: "first", Methods: []string{"totp", "passkey"}})
	p.onAnswer("passkey")(p.self, app.Event{})
	p.onStartOver(p.self, app.Event{})
	p.startSecondStep(&shared.MFAChallenge{MFAToken: "second", Methods: []string{"totp", "passkey"}})
	close(release)
	engine.ConsumeAll()
	if p.challenge == nil || p.challenge.MFAToken != "second" {
		t.Fatalf("the first answer's refusal ended the second step: challenge %+v", p.challenge)
	}
	if html := app.HTMLString(p.Render()); strings.Contains(html, "has expired") || p.form.Notice != (Notice{}) {
		t.Errorf("the first answer's refusal shows on the second step: %s", html)
	}
}
