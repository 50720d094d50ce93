package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authkit/authkit/shared"
)

func TestHealthz(t *testing.T) {
	ts := newTestServer(t)
	r := ts.apiClient().do("GET", "/healthz", nil)
	r.expectStatus(t, http.StatusOK)
	var h shared.Health
	r.decode(t, &h)
	if h.Status != "ok" {
		t.Fatalf("health = %+v", h)
	}
	ts.store.Close()
	ts.apiClient().do("GET", "/healthz", nil).expectError(t, http.StatusServiceUnavailable, shared.CodeUnavailable)
}

func TestUnknownAPIPathsAndMethodsAnswerJSON(t *testing.T) {
	ts := newTestServer(t)
	r := ts.apiClient().do("GET", "/api/nope", nil)
	r.expectError(t, 404, shared.CodeNotFound)
	if r.header.Get("Cache-Control") != "no-store" {
		t.Error("no Cache-Control on 404")
	}
	r = ts.apiClient().do("DELETE", "/api/me", nil)
	r.expectError(t, 405, shared.CodeMethodNotAllowed)
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "PATCH") {
		t.Errorf("Allow = %q", allow)
	}
	ts.apiClient().do("GET", "/api/auth/login", nil).expectError(t, 405, shared.CodeMethodNotAllowed)
}

func TestBadInput_EveryBodyEndpointAnswersAlike(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser()
	// Staff before the first authenticated request, so no cached account
	// predates the grant: the admin endpoint's guard lets the body through.
	me := shared.UserResponse{User: b.register("ann@example.com", "Ann")}
	makeStaff(t, ts, me.User.ID, true)

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
				r := b.do(ep.method, ep.path, in.body, "Content-Type", in.contentType)
				r.expectError(t, in.status, in.code)
			})
		}
	}
	// Nothing was changed by any of it.
	b.do("GET", "/api/me", nil).decode(t, &me)
	if me.User.Name != "Ann" {
		t.Fatalf("name changed to %q", me.User.Name)
	}
	b.login("ann@example.com", testPassword).expectStatus(t, http.StatusOK)
}
