package account_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

// The password that deleting an account or changing its email asks for
// is checked under the account's guess throttle (--login-throttle per 15
// minutes): once wrong ones have spent it, every session of the account
// waits, with Retry-After, even with the right password; other accounts
// do not.
func TestWrongPasswords_DeletionAndEmailChangeAnswerRateLimited(t *testing.T) {
	cases := []struct {
		name string
		send func(c *apitest.Client, password string) apitest.Response
		ok   int // the status of the right password for another account
	}{
		{"DELETE /api/me", func(c *apitest.Client, password string) apitest.Response {
			return c.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: password})
		}, http.StatusNoContent},
		{"POST /api/me/email", func(c *apitest.Client, password string) apitest.Response {
			return c.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "new@example.com", CurrentPassword: password})
		}, http.StatusAccepted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newServer(t, apitest.WithConfig(func(c *auth.Config) { c.LoginThrottle = 3 }))
			laptop := ts.Browser()
			laptop.Register("ann@example.com", "Ann")
			phone := ts.Browser()
			phone.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
			bob := ts.Browser()
			bob.Register("bob@example.com", "Bob")

			for _, guess := range []string{"guess one", "guess two", "guess three"} {
				tc.send(laptop, guess).ExpectError(t, http.StatusBadRequest, shared.CodeWrongPassword)
			}
			r := tc.send(phone, apitest.Password)
			r.ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)
			if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s <= 0 || s > 15*60 {
				t.Fatalf("Retry-After = %q", r.Header.Get("Retry-After"))
			}
			phone.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK) // nothing happened
			tc.send(bob, apitest.Password).ExpectStatus(t, tc.ok)
		})
	}
}
