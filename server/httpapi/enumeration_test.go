package httpapi_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

// TestLogin_EveryRefusalAnswersAndWorksAlike: a login refused for an
// unknown email, a wrong password, an unconfirmed account, or a
// deactivated account (with its right password or a wrong one) gets the
// same status, body and headers (no cookie), in both flows, after the
// same work: one argon2id derivation each, counted rather than timed,
// and no mail queued for anyone (OWASP ASVS 2.2).
func TestLogin_EveryRefusalAnswersAndWorksAlike(t *testing.T) {
	hasher := cheapHasher()
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.Hasher = hasher }))
	ts.Browser().Register("confirmed@example.com", "Ann")
	ts.ConfirmEmail("confirmed@example.com")
	ts.Browser().Register("unconfirmed@example.com", "Bob")
	gone := ts.Browser().Register("deactivated@example.com", "Cy")
	ts.SetActive(gone.ID, false)

	cases := []struct{ name, email, password string }{
		{"unknown email", "nobody@example.com", "not the password"},
		{"wrong password", "confirmed@example.com", "not the password"},
		{"unconfirmed, wrong password", "unconfirmed@example.com", "not the password"},
		{"deactivated, right password", "deactivated@example.com", apitest.Password},
		{"deactivated, wrong password", "deactivated@example.com", "not the password"},
	}
	for _, path := range []string{"/api/auth/login", "/api/token"} {
		var first apitest.Response
		for i, tc := range cases {
			mails := len(ts.MailSubjects(tc.email))
			before := hasher.Derivations()
			r := ts.Browser().Do("POST", path, shared.LoginRequest{Email: tc.email, Password: tc.password})
			hashed := hasher.Derivations() - before
			r.ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCredentials)
			if hashed != 1 {
				t.Errorf("%s %s: %d argon2id derivations, want 1", path, tc.name, hashed)
			}
			if n := len(ts.MailSubjects(tc.email)); n != mails {
				t.Errorf("%s %s: %d mails queued", path, tc.name, n-mails)
			}
			if c := r.Header.Values("Set-Cookie"); len(c) != 0 {
				t.Errorf("%s %s: cookies set: %v", path, tc.name, c)
			}
			if i == 0 {
				first = r
				continue
			}
			if string(r.Body) != string(first.Body) {
				t.Errorf("%s %s: body %s, unknown email's %s", path, tc.name, r.Body, first.Body)
			}
			for _, h := range []string{"Content-Type", "Cache-Control", "Retry-After", "WWW-Authenticate"} {
				if !slices.Equal(r.Header.Values(h), first.Header.Values(h)) {
					t.Errorf("%s %s: %s %q, unknown email's %q", path, tc.name, h, r.Header.Values(h), first.Header.Values(h))
				}
			}
		}
	}
}
