package sso_test

import (
	"net/http"
	"testing"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/sso"
	"github.com/authkit/authkit/shared"
	sharedsso "github.com/authkit/authkit/shared/sso"
)

// TestRace_ASignInResolvedBeforeAResetGetsNoSession: a squatter made an
// account with someone else's address through a provider that does not
// vouch for it, and signs in with that provider account again just as
// the owner takes the account back with a reset, which disconnects it
// and ends every session. The sign-in found the account before the reset
// committed; it must not start a session after it, on a way in the reset
// removed: it is refused as the provider account now is (account_exists).
func TestRace_ASignInResolvedBeforeAResetGetsNoSession(t *testing.T) {
	k := newKit(t)
	squatter := unvouched("cy")
	k.signIn(squatter)

	k.ts.TokenClient().Do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "cy@example.com"}).
		ExpectStatus(t, http.StatusAccepted)
	token := k.ts.MailToken("cy@example.com", "Set a password for your account")
	sso.SetTestHookResolved(t, func() {
		sso.SetTestHookResolved(t, nil) // once: the retry, if any, meets no reset
		k.ts.TokenClient().Do("POST", "/api/auth/password-reset/confirm",
			shared.PasswordResetConfirmRequest{Token: token, NewPassword: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
	})

	b := k.ts.Browser()
	k.idp.Approve(squatter)
	expectFailure(t, k.walk(b, "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureAccountExists, "oidc")
	k.expectSignedOut(b)

	owner := k.ts.Browser()
	owner.Login("cy@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	var sessions shared.SessionsResponse
	owner.Do("GET", "/api/me/sessions", nil).Decode(t, &sessions)
	if len(sessions.Sessions) != 1 {
		t.Errorf("sessions after the reset: %+v, want the owner's only", sessions.Sessions)
	}
}
