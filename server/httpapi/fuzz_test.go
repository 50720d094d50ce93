package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authkit/authkit/shared"
)

// fuzzDecode checks one request type's decoder: whatever the body, it
// returns a value or a *shared.Error with a 4xx status, and never panics.
func fuzzDecode[T any, P interface {
	*T
	validator
}](f *testing.F, seeds ...string) {
	for _, s := range append(seeds, "", "{}", "null", "[]", `{"a":1}`, "{", `"x"`, "1e999", "{\"email\":\"\\ud800\"}") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		_, err := decodeValid[T, P](httptest.NewRecorder(), r)
		if err == nil {
			return
		}
		apiErr, ok := err.(*shared.Error)
		if !ok {
			t.Fatalf("decode(%q) = %T %v, want *shared.Error", body, err, err)
		}
		if s := apiErr.Code.Status(); s < 400 || s > 499 || apiErr.Message == "" {
			t.Fatalf("decode(%q) = %+v (status %d)", body, apiErr, s)
		}
	})
}

func FuzzDecodeRegister(f *testing.F) {
	fuzzDecode[shared.RegisterRequest](f, `{"email":"a@b.co","password":"correct horse","name":"A"}`)
}

func FuzzDecodeLogin(f *testing.F) {
	fuzzDecode[shared.LoginRequest](f, `{"email":"a@b.co","password":"x"}`)
}

func FuzzDecodeRefresh(f *testing.F) {
	fuzzDecode[shared.RefreshRequest](f, `{"refresh":"abc"}`)
}

func FuzzDecodeVerify(f *testing.F) {
	fuzzDecode[shared.VerifyRequest](f, `{"token":"a.b.c"}`)
}

func FuzzDecodeUpdateProfile(f *testing.F) {
	fuzzDecode[shared.UpdateProfileRequest](f, `{"name":"Ann"}`, `{"name":null}`)
}

func FuzzDecodeAdminUpdateUser(f *testing.F) {
	fuzzDecode[shared.AdminUpdateUserRequest](f, `{"is_active":false}`, `{"name":"x","is_staff":true}`)
}

// changePassword validates against the account's email, so it gets a
// small adapter to fit the validator interface.
type changePassword struct{ shared.ChangePasswordRequest }

func (c *changePassword) Validate() error { return c.ChangePasswordRequest.Validate("a@b.co") }

func FuzzDecodeChangePassword(f *testing.F) {
	fuzzDecode[changePassword](f, `{"current_password":"x","new_password":"correct horse"}`)
}
