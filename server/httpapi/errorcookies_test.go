package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/uptrace/bun/migrate"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

// halfway is a fork's module whose handlers change cookies and then fail.
type halfway struct{}

func (halfway) Name() string                    { return "halfway" }
func (halfway) Migrations() *migrate.Migrations { return nil }
func (halfway) Mount(k *httpapi.Kit) ([]httpapi.Route, error) {
	failed := shared.NewError(shared.CodeValidationFailed, "The second half failed.")
	return []httpapi.Route{
		{Pattern: "POST /api/halfway/login", Response: "", Handler: func(w http.ResponseWriter, r *http.Request) error {
			u, err := k.Auth.Accounts.UserByEmail(r.Context(), "ann@example.com")
			if err != nil {
				return err
			}
			if err := k.API.LogIn(w, r, u); err != nil {
				return err
			}
			return failed
		}},
		{Pattern: "POST /api/halfway/logout", Response: "", Handler: func(w http.ResponseWriter, r *http.Request) error {
			k.API.ClearSessionCookies(w)
			return failed
		}},
	}, nil
}

// An error answer never starts a session: the cookies a handler set
// before it failed are dropped. Cookies it deleted stay deleted.
func TestErrors_CarryCookieDeletionsButNoNewCookies(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithModules(halfway{}))
	ts.Browser().Register("ann@example.com", "Ann")

	b := ts.Browser()
	r := b.Do("POST", "/api/halfway/login", nil)
	r.ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)
	if set := r.Header.Values("Set-Cookie"); len(set) != 0 {
		t.Fatalf("a failed answer set cookies: %q", set)
	}
	b.Do("GET", "/api/me", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)

	r = ts.Browser().Do("POST", "/api/halfway/logout", nil)
	r.ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)
	resp := http.Response{Header: r.Header}
	cleared := map[string]bool{}
	for _, c := range resp.Cookies() {
		cleared[c.Name] = c.MaxAge < 0
	}
	if len(cleared) != 3 || !cleared["__Host-access_token"] || !cleared["__Secure-refresh_token"] || !cleared["__Host-csrf_token"] {
		t.Fatalf("the failed answer's cookie deletions: %v, want the three session cookies cleared", cleared)
	}
}
