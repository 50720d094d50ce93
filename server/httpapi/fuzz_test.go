package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store/storetest"
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

func FuzzDecodePasswordReset(f *testing.F) {
	fuzzDecode[shared.PasswordResetRequest](f, `{"email":"a@b.co"}`)
}

func FuzzDecodePasswordResetConfirm(f *testing.F) {
	fuzzDecode[shared.PasswordResetConfirmRequest](f, `{"token":"abc","new_password":"correct horse"}`)
}

func FuzzDecodeVerifyEmail(f *testing.F) {
	fuzzDecode[shared.VerifyEmailRequest](f, `{"token":"abc"}`)
}

// changePassword validates against the account's email, so it gets a
// small adapter to fit the validator interface.
type changePassword struct{ shared.ChangePasswordRequest }

func (c *changePassword) Validate() error { return c.ChangePasswordRequest.Validate("a@b.co") }

func FuzzDecodeChangePassword(f *testing.F) {
	fuzzDecode[changePassword](f, `{"current_password":"x","new_password":"correct horse"}`)
}

// FuzzCSRFCheck feeds arbitrary X-CSRF-Token headers and csrf cookies to
// the check: it must never panic, and must pass only when both equal the
// session's own token.
func FuzzCSRFCheck(f *testing.F) {
	st := storetest.Open(f)
	svc, err := auth.New(context.Background(), st, auth.Config{})
	if err != nil {
		f.Fatal(err)
	}
	a, err := New(svc, st, Options{})
	if err != nil {
		f.Fatal(err)
	}
	const sid = "0192f0c4-7f5e-7a8b-9c0d-1e2f3a4b5c6e"
	good := a.csrf.token(sid)
	f.Add(good, good)
	f.Add(good, "")
	f.Add("", good)
	f.Add("x", "x")
	f.Add(good+"=", good+"=")
	f.Fuzz(func(t *testing.T, header, cookie string) {
		r := httptest.NewRequest(http.MethodPost, "/api/me", nil)
		r.Header.Set(shared.CSRFHeader, header)
		r.Header.Set("Cookie", a.cookies.csrf+"="+cookie)
		err := a.csrf.check(r, sid)
		sent := r.Header.Get(shared.CSRFHeader)
		jarred := a.csrf.cookieValue(r)
		if (err == nil) != (sent == good && jarred == good) {
			t.Fatalf("header %q cookie %q: err = %v", header, cookie, err)
		}
	})
}

// FuzzAccessTokenSources feeds arbitrary Authorization headers and access
// cookies to the extraction step: it never panics, a present but malformed
// Authorization header is always refused, and a token is never empty.
func FuzzAccessTokenSources(f *testing.F) {
	a := &API{cookies: newCookieJar(true)}
	for _, s := range []string{"", "Bearer abc", "bearer abc", "Bearer", "Basic abc", "Bearer a b", "Bearer \t"} {
		f.Add(s, "cookie-token")
	}
	f.Fuzz(func(t *testing.T, authorization, cookie string) {
		r := httptest.NewRequest(http.MethodGet, "/api/me", nil)
		r.Header.Set("Authorization", authorization)
		r.Header.Set("Cookie", a.cookies.accessName+"="+cookie)
		token, source, err := a.accessToken(r)
		if err == nil && token == "" {
			t.Fatal("empty token accepted")
		}
		if r.Header.Get("Authorization") != "" && err == nil && source != fromBearer {
			t.Fatalf("Authorization %q fell back to the cookie", authorization)
		}
	})
}
