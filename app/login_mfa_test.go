package app

import (
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
