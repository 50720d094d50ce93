package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

// Re-authentication, the core's half (no second-factor module mounted):
// a session is recent for --reauth-window after its login or a re-auth
// with the password, and sensitive routes (RequireRecent) refuse it
// otherwise.

func TestReauth_PasswordChangeNeedsARecentSession(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.ReauthWindow = 3 * time.Minute }))
	ann := ts.Browser()
	ann.Register("ann@example.com", "Ann")
	change := shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "another long passphrase"}

	ts.Advance(3*time.Minute + time.Second)
	ann.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	ann.Do("POST", "/api/me/password", change).ExpectError(t, http.StatusForbidden, shared.CodeReauthRequired)

	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: "not it at all"}).ExpectError(t, http.StatusBadRequest, shared.CodeWrongPassword)
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Code: "123456"}).ExpectError(t, http.StatusBadRequest, shared.CodeInvalidCode)
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
	ann.Do("POST", "/api/me/password", change).ExpectStatus(t, http.StatusNoContent)

	// Bearer clients re-authenticate the same way.
	pair := ts.Tokens("ann@example.com", change.NewPassword)
	api := ts.TokenClient()
	ts.Advance(3*time.Minute + time.Second)
	var refreshed shared.TokenPair
	api.Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).Decode(t, &refreshed)
	back := shared.ChangePasswordRequest{CurrentPassword: change.NewPassword, NewPassword: "yet another long passphrase"}
	api.Do("POST", "/api/me/password", back, apitest.Bearer(refreshed.Access)...).ExpectError(t, http.StatusForbidden, shared.CodeReauthRequired)
	api.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: change.NewPassword}, apitest.Bearer(refreshed.Access)...).ExpectStatus(t, http.StatusNoContent)
	api.Do("POST", "/api/me/password", back, apitest.Bearer(refreshed.Access)...).ExpectStatus(t, http.StatusNoContent)

	// Without a second factor, logins need no second step, and sessions
	// say how they signed in.
	var sessions shared.SessionsResponse
	api.Do("GET", "/api/me/sessions", nil, apitest.Bearer(refreshed.Access)...).Decode(t, &sessions)
	if len(sessions.Sessions) != 1 || sessions.Sessions[0].AuthMethod != "password" {
		t.Fatalf("sessions = %+v", sessions.Sessions)
	}
}

// Re-authentication checks the password under the account's guess
// throttle (--login-throttle per 15 minutes): right passwords give their
// token back, wrong ones spend it, whichever session of the account sends
// them.
func TestReauth_WrongPasswordsAreThrottledPerAccount(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.LoginThrottle = 3 }))
	laptop := ts.Browser()
	laptop.Register("ann@example.com", "Ann")
	phone := ts.Browser()
	phone.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob")

	for range 5 { // more than the limit: a right password costs nothing
		laptop.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
	}
	for _, guess := range []string{"guess one", "guess two", "guess three"} {
		laptop.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: guess}).ExpectError(t, http.StatusBadRequest, shared.CodeWrongPassword)
	}
	r := phone.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password})
	r.ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s <= 0 || s > 15*60 {
		t.Fatalf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	// Another account is not held back.
	bob.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password}).ExpectStatus(t, http.StatusNoContent)

	// Once the window has passed, the password works again.
	ts.Advance(15 * time.Minute)
	phone.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	phone.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
}
