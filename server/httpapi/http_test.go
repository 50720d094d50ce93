package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

func TestHealthz(t *testing.T) {
	ts := apitest.NewServer(t)
	r := ts.TokenClient().Do("GET", "/healthz", nil)
	r.ExpectStatus(t, http.StatusOK)
	var h shared.Health
	r.Decode(t, &h)
	if h.Status != "ok" {
		t.Fatalf("health = %+v", h)
	}
	ts.Store.Close()
	ts.TokenClient().Do("GET", "/healthz", nil).ExpectError(t, http.StatusServiceUnavailable, shared.CodeUnavailable)
}

func TestUnknownAPIPathsAndMethodsAnswerJSON(t *testing.T) {
	ts := apitest.NewServer(t)
	r := ts.TokenClient().Do("GET", "/api/nope", nil)
	r.ExpectError(t, 404, shared.CodeNotFound)
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Error("no Cache-Control on 404")
	}
	r = ts.TokenClient().Do("DELETE", "/api/me", nil)
	r.ExpectError(t, 405, shared.CodeMethodNotAllowed)
	if allow := r.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "PATCH") {
		t.Errorf("Allow = %q", allow)
	}
	ts.TokenClient().Do("GET", "/api/auth/login", nil).ExpectError(t, 405, shared.CodeMethodNotAllowed)
}

// TestMethodsNoPatternNamesAnswer405 sends an API path methods outside
// the standard ones: a path that exists answers 405 with its Allow
// header, as for PUT, and only an unknown path 404.
func TestMethodsNoPatternNamesAnswer405(t *testing.T) {
	ts := apitest.NewServer(t)
	c := ts.TokenClient()
	for _, tc := range []struct{ method, path, allow string }{
		{"PROPFIND", "/api/me", "GET, PATCH, HEAD"},
		{"FOO", "/api/auth/login", "POST"},
		{"get", "/api/me", "GET, PATCH, HEAD"},
		{"FOO", "/api/me/sessions/some-id", "DELETE"},
	} {
		r := c.Do(tc.method, tc.path, nil)
		r.ExpectError(t, http.StatusMethodNotAllowed, shared.CodeMethodNotAllowed)
		if got := r.Header.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow = %q, want %q", tc.method, tc.path, got, tc.allow)
		}
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s %s: Cache-Control = %q", tc.method, tc.path, got)
		}
	}
	c.Do("PROPFIND", "/api/nope", nil).ExpectError(t, http.StatusNotFound, shared.CodeNotFound)
}

func TestBadInput_EveryBodyEndpointAnswersAlike(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	// Staff before the first authenticated request, so no cached account
	// predates the grant: the admin endpoint's guard lets the body through.
	me := shared.UserResponse{User: b.Register("ann@example.com", "Ann")}
	ts.MakeStaff(me.User.ID, true)

	endpoints := []struct{ method, path string }{
		{"POST", "/api/auth/register"}, {"POST", "/api/auth/login"},
		{"POST", "/api/token"}, {"POST", "/api/token/refresh"}, {"POST", "/api/token/verify"},
		{"PATCH", "/api/me"}, {"POST", "/api/me/password"}, {"PATCH", "/api/admin/users/" + me.User.ID},
	}
	huge := `{"name":"` + strings.Repeat("a", shared.MaxBodyBytes) + `"}`
	inputs := []struct {
		name        string
		body        string
		contentType string
		status      int
		code        shared.Code
	}{
		{"malformed", `{"email":"x"`, "application/json", 400, shared.CodeInvalidJSON},
		{"wrong types", `{"email":[],"password":{},"name":1,"refresh":2,"token":3,"current_password":4,"new_password":5,"is_active":"x"}`, "application/json", 400, shared.CodeInvalidJSON},
		{"array", `[1,2]`, "application/json", 400, shared.CodeInvalidJSON},
		{"too large", huge, "application/json", 413, shared.CodeBodyTooLarge},
		{"text/plain", `{}`, "text/plain", 415, shared.CodeUnsupportedMediaType},
		{"no content type", `{}`, "", 415, shared.CodeUnsupportedMediaType},
	}
	for _, ep := range endpoints {
		for _, in := range inputs {
			t.Run(ep.path+"/"+in.name, func(t *testing.T) {
				r := b.Do(ep.method, ep.path, in.body, "Content-Type", in.contentType)
				r.ExpectError(t, in.status, in.code)
			})
		}
	}
	// Nothing was changed by any of it.
	b.Do("GET", "/api/me", nil).Decode(t, &me)
	if me.User.Name != "Ann" {
		t.Fatalf("name changed to %q", me.User.Name)
	}
	b.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
}
