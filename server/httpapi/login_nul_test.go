package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

// TestLogin_NULInTheEmailIsAClientError: the login's email is not checked
// for syntax (an old account must still sign in), so whatever string it
// was went to the account lookup, and one holding a NUL character was a
// 500 logged as a server bug. A NUL in any string of a request body is
// 400 validation_failed now, before any lookup, known account or not.
func TestLogin_NULInTheEmailIsAClientError(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.Hasher = cheapHasher() }))
	ts.Browser().Register("ann@example.com", "Ann")
	for _, email := range []string{"ann\x00@example.com", "nobody\x00@example.com"} {
		for path, body := range map[string]any{
			"/api/auth/login":          shared.LoginRequest{Email: email, Password: "not the password"},
			"/api/token":               shared.LoginRequest{Email: email, Password: "not the password"},
			"/api/auth/register":       shared.RegisterRequest{Email: email, Password: "a long and unguessable phrase", Name: "N"},
			"/api/auth/password-reset": shared.PasswordResetRequest{Email: email},
		} {
			ts.TokenClient().Do("POST", path, body).ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)
		}
	}
}
