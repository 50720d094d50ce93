package totp_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	authtotp "github.com/authkit/authkit/server/totp"
	"github.com/authkit/authkit/shared"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// An authenticator secret the server can no longer open (the key
// encryption key changed since it was sealed) takes the app out of the
// login, not the account: recovery codes still sign in, a code from the
// app is refused as a 4xx, and the real error goes to the log.

func withKEK(fill byte) apitest.Option {
	return apitest.WithConfig(func(c *auth.Config) { c.KeyEncryptionKey = bytes.Repeat([]byte{fill}, 32) })
}

// forgetServerSecrets deletes the server's secrets (the CSRF and throttle
// keys), as an operator who lost the key encryption key they were sealed
// under does (README, "Signing keys"): servers with another key would not
// start on them, and make new ones.
func forgetServerSecrets(t *testing.T, ts *apitest.Server) {
	t.Helper()
	if _, err := ts.Store.DB().NewDelete().Table("secrets").Where("1 = 1").Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// kekChanged returns a server on a database where ann turned the app on
// under one key encryption key, started with another: the signing keys,
// made by a first start without one, still open, and the server secrets
// were made anew (forgetServerSecrets); ann's secret does not open. It
// also returns ann's secret, her recovery codes and the server's log.
func kekChanged(t *testing.T) (*apitest.Server, string, []string, *apitest.LogBuffer) {
	t.Helper()
	first := newServer(t) // the signing keys are stored plain
	before := first.SecondInstance(apitest.WithModules(authtotp.Module{}), withKEK(1))
	ann := before.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	secret, codes := enable(t, before, ann)
	forgetServerSecrets(t, first)

	log := &apitest.LogBuffer{}
	after := first.SecondInstance(apitest.WithModules(authtotp.Module{}), withKEK(2),
		apitest.WithConfig(func(c *auth.Config) { c.Logger = log.Logger() }))
	return after, secret, codes, log
}

func TestTOTP_AnUnreadableSecretRefusesCodesAndKeepsRecoveryCodes(t *testing.T) {
	ts, secret, codes, log := kekChanged(t)

	r := ts.Browser().Login(annEmail, apitest.Password)
	r.ExpectError(t, http.StatusUnauthorized, shared.CodeMFARequired)
	var body shared.ErrorBody
	r.Decode(t, &body)

	b := ts.Browser()
	b.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: body.MFAToken, Code: nextCode(t, ts, secret)}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCode)
	if l := log.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "does not decrypt") {
		t.Fatalf("the log does not tell why: %q", l)
	}
	// The same login goes on with a recovery code.
	b.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: body.MFAToken, Code: codes[0]}).
		ExpectStatus(t, http.StatusOK)
	var sessions shared.SessionsResponse
	b.Do("GET", "/api/me/sessions", nil).Decode(t, &sessions)
	if sessions.Sessions[0].AuthMethod != "password+recovery_code" {
		t.Fatalf("auth_method = %q", sessions.Sessions[0].AuthMethod)
	}

	// Re-authenticating with a code from the app is refused too, as a
	// form's wrong code; a recovery code does it.
	b.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Code: nextCode(t, ts, secret)}).
		ExpectError(t, http.StatusBadRequest, shared.CodeInvalidCode)
	b.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Code: codes[1]}).ExpectStatus(t, http.StatusNoContent)
}

func TestTOTP_AnUnreadableSecretIsNotOffered(t *testing.T) {
	ts, _, _, log := kekChanged(t)
	// The login offers only what can answer it, so the page asks for a
	// recovery code straight away.
	mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "recovery_code")
	if l := log.String(); !strings.Contains(l, "level=ERROR") {
		t.Fatalf("the log does not tell why: %q", l)
	}
}

// With no recovery code left either, nothing could answer a second step:
// the login says so (503 unavailable) rather than ask for one, and starts
// no session.
func TestTOTP_AnUnreadableSecretAndNoRecoveryCodesIsNoSecondStep(t *testing.T) {
	ts, _, _, _ := kekChanged(t)
	if _, err := ts.Store.DB().NewDelete().Table("recovery_codes").Where("1 = 1").Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	b := ts.Browser()
	b.Login(annEmail, apitest.Password).ExpectError(t, http.StatusServiceUnavailable, shared.CodeUnavailable)
	b.Do("GET", "/api/me", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
}

// A setup begun under one key encryption key and finished under another:
// its pending secret no longer opens. The user is told to start again
// (invalid_code, a 4xx, not a 500), the log says why, and a new setup
// under the current key goes through.
func TestTOTP_AnUnreadablePendingSetupAsksToStartAgain(t *testing.T) {
	first := newServer(t) // the signing keys are stored plain
	before := first.SecondInstance(apitest.WithModules(authtotp.Module{}), withKEK(1))
	ann := before.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	var setup sharedtotp.SetupResponse
	r := ann.Do("POST", "/api/me/totp/setup", nil)
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &setup)
	forgetServerSecrets(t, first)

	log := &apitest.LogBuffer{}
	after := first.SecondInstance(apitest.WithModules(authtotp.Module{}), withKEK(2),
		apitest.WithConfig(func(c *auth.Config) { c.Logger = log.Logger() }))
	b := after.Browser()
	b.Login(annEmail, apitest.Password).ExpectStatus(t, http.StatusOK)
	e := b.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: nextCode(t, after, setup.Secret)}).
		ExpectError(t, http.StatusBadRequest, shared.CodeInvalidCode)
	if !strings.Contains(e.Fields["code"], "Start setting up your authenticator app again") {
		t.Errorf("fields = %v, want a word to start again", e.Fields)
	}
	if l := log.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "does not decrypt") {
		t.Fatalf("the log does not tell why: %q", l)
	}
	var st sharedtotp.StatusResponse
	b.Do("GET", "/api/me/totp", nil).Decode(t, &st)
	if st.Enabled {
		t.Fatal("the app is on")
	}

	secret, codes := enable(t, after, b)
	if secret == setup.Secret || len(codes) != 10 {
		t.Fatalf("a new setup under the current key: secret reused %v, %d codes", secret == setup.Secret, len(codes))
	}
}
