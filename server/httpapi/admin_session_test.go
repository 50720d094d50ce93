package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

// TestAdmin_ASessionEndedElsewhereCannotActOnAccounts: a superuser's
// sessions end on another server (their password reset, say, after their
// session was stolen); this server's session cache learns of it only
// within --session-cache-ttl. Meanwhile the ended session must not reset
// someone's second factors and passkeys, change their account or delete
// it: the admin actions check the actor's session in the database, as
// the account's own sensitive actions do.
func TestAdmin_ASessionEndedElsewhereCannotActOnAccounts(t *testing.T) {
	for _, c := range []struct {
		name, method, path string
		body               any
	}{
		{"reset factors", "POST", "/api/admin/users/%s/reset-factors", nil},
		{"update", "PATCH", "/api/admin/users/%s", map[string]any{"is_active": false}},
		{"delete", "DELETE", "/api/admin/users/%s", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := apitest.NewServer(t)
			admin := ts.Browser()
			a := admin.Register("admin@example.com", "Admin")
			ts.MakeStaff(a.ID, true)
			ann := ts.Browser()
			u := ann.Register("ann@example.com", "Ann")
			admin.Do("GET", "/api/admin/users", nil).ExpectStatus(t, http.StatusOK) // the session is in the cache

			if _, err := ts.Store.RevokeUserSessions(t.Context(), a.ID, "", ts.Now()); err != nil {
				t.Fatal(err)
			}
			admin.Do(c.method, fmt.Sprintf(c.path, u.ID), c.body).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
			ann.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK) // untouched, still signed in
		})
	}
}
