package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

// New passwords are checked against the server's list of the 100,000
// most common (server/passwordlist), not only the short list the app
// carries: these four pass the short list and are refused here.
var longListPasswords = []string{"password123", "qwerty123456", "princess1", "monkey123"}

func TestRegister_RefusesPasswordsOnTheLongCommonList(t *testing.T) {
	ts := apitest.NewServer(t)
	for _, pw := range longListPasswords {
		t.Run(pw, func(t *testing.T) {
			if shared.ValidatePassword(pw, "") != "" {
				t.Fatalf("%q fails the shared rules already; pick one only the long list knows", pw)
			}
			r := ts.TokenClient().Do("POST", "/api/auth/register", shared.RegisterRequest{Email: "ann@example.com", Password: pw, Name: "Ann"})
			e := r.ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)
			if e.Fields["password"] != shared.CommonPasswordMessage || len(e.Fields) != 1 {
				t.Fatalf("fields = %v, want only password: %q", e.Fields, shared.CommonPasswordMessage)
			}
		})
	}
	// Other field errors are reported with it.
	r := ts.TokenClient().Do("POST", "/api/auth/register", shared.RegisterRequest{Email: "nope", Password: "monkey123", Name: "Ann"})
	if e := r.ExpectError(t, 400, shared.CodeValidationFailed); e.Fields["email"] == "" || e.Fields["password"] != shared.CommonPasswordMessage {
		t.Fatalf("fields = %v", e.Fields)
	}
}

func TestChangePassword_RefusesPasswordsOnTheLongCommonList(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	r := b.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "qwerty123456"})
	if e := r.ExpectError(t, 400, shared.CodeValidationFailed); e.Fields["new_password"] != shared.CommonPasswordMessage {
		t.Fatalf("fields = %v", e.Fields)
	}
	b.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK) // unchanged
}
