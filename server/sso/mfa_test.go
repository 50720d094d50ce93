package sso_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/authkit/authkit/server/httpapi/apitest"
	authtotp "github.com/authkit/authkit/server/totp"
	"github.com/authkit/authkit/shared"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// TestSignIn_AnAccountWithASecondFactorGoesToTheCodeStep: a provider's
// sign-in is a first step like a password. For an account with an
// authenticator app, the callback starts no session and sends the browser
// to the login page's code step, whose token the login's second step
// spends.
func TestSignIn_AnAccountWithASecondFactorGoesToTheCodeStep(t *testing.T) {
	k := newKit(t, apitest.WithModules(authtotp.Module{}))
	ann := k.signIn(person("ann"))

	var setup sharedtotp.SetupResponse
	ann.Do("POST", "/api/me/totp/setup", nil).Decode(t, &setup)
	code, _ := totp.GenerateCode(setup.Secret, k.ts.Now())
	ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: code}).ExpectStatus(t, http.StatusOK)

	b := k.ts.Browser()
	k.idp.Approve(person("ann"))
	landed, err := url.Parse(k.walk(b, "/api/auth/oauth/oidc/start"))
	if err != nil || landed.Path != "/login" || landed.Query().Get("mfa_token") == "" || landed.Query().Get("methods") != "totp,recovery_code" {
		t.Fatalf("landed on %q", landed)
	}
	k.expectSignedOut(b)

	k.ts.Advance(30 * time.Second)
	code, _ = totp.GenerateCode(setup.Secret, k.ts.Now())
	b.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: landed.Query().Get("mfa_token"), Code: code}).
		ExpectStatus(t, http.StatusOK)
	var sessions shared.SessionsResponse
	b.Do("GET", "/api/me/sessions", nil).Decode(t, &sessions)
	for _, s := range sessions.Sessions {
		if s.Current && s.AuthMethod != "oidc+totp" {
			t.Fatalf("session = %+v", s)
		}
	}
}
