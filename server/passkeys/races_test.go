package passkeys_test

import (
	"net/http"
	"testing"

	"github.com/pquerna/otp/totp"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/passkeys"
	"github.com/authkit/authkit/server/passkeys/passkeystest"
	"github.com/authkit/authkit/server/sso/ssotest"
	authtotp "github.com/authkit/authkit/server/totp"
	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// squatterWithKey is the pre-hijacking a password reset undoes: cy signs
// up through a provider that does not vouch for the address, the owner
// confirms it from the sign-up's mail (in a browser of their own, so the
// account stays unvouched), and cy adds a passkey, and an authenticator
// app when withApp. It returns cy's authenticator.
func squatterWithKey(t *testing.T, withApp bool) (*apitest.Server, *passkeystest.Authenticator) {
	t.Helper()
	ts, idp := newServerWithProvider(t, authtotp.Module{})
	cy := signInWithProvider(t, ts, idp, ssotest.Person{Subject: "sub-cy", Email: "cy@example.com", EmailVerified: false, Name: "Cy"})
	token := ts.MailToken("cy@example.com", "Confirm your email address")
	ts.Browser().Do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: token}).ExpectStatus(t, http.StatusOK)

	a := passkeystest.New(t, origin)
	passkeystest.Register(t, cy, a, "Cy's")
	if withApp {
		var setup sharedtotp.SetupResponse
		cy.Do("POST", "/api/me/totp/setup", nil).Decode(t, &setup)
		code, _ := totp.GenerateCode(setup.Secret, ts.Now())
		cy.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: code}).ExpectStatus(t, http.StatusOK)
	}
	return ts, a
}

// TestRace_ASignInCheckedBeforeAResetGetsNoSession: the owner takes the
// account back with a reset, which removes the squatter's passkey (and
// authenticator app) and ends every session, just as the squatter signs
// in with that passkey. The assertion was checked before the reset
// committed; the session must not start after it, on a passkey the reset
// removed: the sign-in is refused (invalid_credentials), with no second
// step either.
func TestRace_ASignInCheckedBeforeAResetGetsNoSession(t *testing.T) {
	for _, c := range []struct {
		name    string
		withApp bool
	}{
		{"a passkey alone", false},
		{"an account with an authenticator app too", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts, a := squatterWithKey(t, c.withApp)
			ts.TokenClient().Do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "cy@example.com"}).
				ExpectStatus(t, http.StatusAccepted)
			token := ts.MailToken("cy@example.com", "Set a password for your account")

			squatter := ts.Browser()
			cred := assertion(t, squatter, a)
			passkeys.SetTestHookAuthenticated(t, func() {
				ts.TokenClient().Do("POST", "/api/auth/password-reset/confirm",
					shared.PasswordResetConfirmRequest{Token: token, NewPassword: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
			})
			squatter.Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: cred}).
				ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCredentials)
			squatter.Do("GET", "/api/me", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)

			owner := ts.Browser()
			owner.Login("cy@example.com", apitest.Password).ExpectStatus(t, http.StatusOK) // no second step: the app is gone
			var sessions shared.SessionsResponse
			owner.Do("GET", "/api/me/sessions", nil).Decode(t, &sessions)
			if len(sessions.Sessions) != 1 {
				t.Errorf("sessions after the reset: %+v, want the owner's only", sessions.Sessions)
			}
		})
	}
}
