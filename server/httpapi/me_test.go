package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authkit/authkit/shared"
)

func TestMe_RequiresAuthentication(t *testing.T) {
	ts := newTestServer(t)
	for _, ep := range []struct{ method, path string }{
		{"GET", "/api/me"}, {"PATCH", "/api/me"}, {"POST", "/api/me/password"},
		{"GET", "/api/me/sessions"}, {"DELETE", "/api/me/sessions/x"},
		{"GET", "/api/admin/users"}, {"PATCH", "/api/admin/users/x"},
	} {
		ts.browser().do(ep.method, ep.path, nil).expectError(t, 401, shared.CodeNotAuthenticated)
	}
}

func TestMe_UpdateName(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser()
	b.register("ann@example.com", "Ann")
	r := b.do("PATCH", "/api/me", map[string]string{"name": "  Ann Lee  "})
	r.expectStatus(t, http.StatusOK)
	var body shared.UserResponse
	r.decode(t, &body)
	if body.User.Name != "Ann Lee" {
		t.Fatalf("name = %q", body.User.Name)
	}
	for _, bad := range []any{`{"name":""}`, `{}`, map[string]string{"name": strings.Repeat("é", 101)}} {
		b.do("PATCH", "/api/me", bad).expectError(t, 400, shared.CodeValidationFailed)
	}
	b.do("PATCH", "/api/me", `{"name":true}`).expectError(t, 400, shared.CodeInvalidJSON)
	b.do("PATCH", "/api/me", `{"name":"x","email":"other@example.com"}`).expectError(t, 400, shared.CodeInvalidJSON)
}

func TestChangePassword_KeepsThisSessionAndEndsTheOthers(t *testing.T) {
	ts := newTestServer(t)
	laptop := ts.browser()
	laptop.register("ann@example.com", "Ann")
	phone := ts.browser()
	phone.login("ann@example.com", testPassword).expectStatus(t, http.StatusOK)

	laptop.do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: "wrong one!", NewPassword: "a brand new passphrase"}).
		expectError(t, 400, shared.CodeWrongPassword)
	laptop.do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: testPassword, NewPassword: "short"}).
		expectError(t, 400, shared.CodeValidationFailed)
	laptop.do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: testPassword, NewPassword: "a brand new passphrase"}).
		expectStatus(t, http.StatusNoContent)

	laptop.do("GET", "/api/me", nil).expectStatus(t, http.StatusOK)
	phone.do("GET", "/api/me", nil).expectError(t, 401, shared.CodeNotAuthenticated)
	ts.browser().login("ann@example.com", testPassword).expectError(t, 401, shared.CodeInvalidCredentials)
	ts.browser().login("ann@example.com", "a brand new passphrase").expectStatus(t, http.StatusOK)
}

func TestSessions_ListAndRevoke(t *testing.T) {
	ts := newTestServer(t)
	laptop := ts.browser()
	laptop.register("ann@example.com", "Ann")
	phone := ts.browser()
	phone.do("POST", "/api/auth/login", shared.LoginRequest{Email: "ann@example.com", Password: testPassword}, "User-Agent", "PhoneBrowser/1.0").
		expectStatus(t, http.StatusOK)
	bob := ts.browser()
	bob.register("bob@example.com", "Bob")

	r := laptop.do("GET", "/api/me/sessions", nil)
	r.expectStatus(t, http.StatusOK)
	var list shared.SessionsResponse
	r.decode(t, &list)
	if len(list.Sessions) != 2 {
		t.Fatalf("sessions = %+v", list.Sessions)
	}
	var phoneID string
	current := 0
	for _, s := range list.Sessions {
		if s.Current {
			current++
		}
		if s.UserAgent == "PhoneBrowser/1.0" {
			phoneID = s.ID
		}
		if s.IP != "127.0.0.1" || s.CreatedAt.IsZero() || s.LastUsedAt.IsZero() {
			t.Errorf("session = %+v", s)
		}
	}
	if current != 1 || phoneID == "" {
		t.Fatalf("sessions = %+v", list.Sessions)
	}

	// Bob cannot see or end Ann's sessions.
	bob.do("DELETE", "/api/me/sessions/"+phoneID, nil).expectError(t, 404, shared.CodeNotFound)
	phone.do("GET", "/api/me", nil).expectStatus(t, http.StatusOK)

	laptop.do("DELETE", "/api/me/sessions/"+phoneID, nil).expectStatus(t, http.StatusNoContent)
	phone.do("GET", "/api/me", nil).expectError(t, 401, shared.CodeNotAuthenticated)
	laptop.do("DELETE", "/api/me/sessions/"+phoneID, nil).expectError(t, 404, shared.CodeNotFound)
	laptop.do("GET", "/api/me/sessions", nil).decode(t, &list)
	if len(list.Sessions) != 1 || !list.Sessions[0].Current {
		t.Fatalf("after revoke: %+v", list.Sessions)
	}
}

// TestMe_ReflectsChangesAtOnce guards the user cache behind GET /api/me:
// every write to a user must show on the next read.
func TestMe_ReflectsChangesAtOnce(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser()
	u := b.register("ann@example.com", "Ann")
	root := ts.browser()
	r := root.register("root@example.com", "Root")
	makeStaff(t, ts, r.ID, true)
	name := func() string {
		var me shared.UserResponse
		b.do("GET", "/api/me", nil).decode(t, &me)
		return me.User.Name
	}
	if name() != "Ann" { // now cached
		t.Fatal("wrong name")
	}
	b.do("PATCH", "/api/me", map[string]string{"name": "Ann Two"}).expectStatus(t, http.StatusOK)
	if got := name(); got != "Ann Two" {
		t.Fatalf("after PATCH: %q", got)
	}
	root.do("PATCH", "/api/admin/users/"+u.ID, map[string]any{"name": "Ann Three", "is_staff": true}).expectStatus(t, http.StatusOK)
	var me shared.UserResponse
	b.do("GET", "/api/me", nil).decode(t, &me)
	if me.User.Name != "Ann Three" || !me.User.IsStaff {
		t.Fatalf("after the admin's change: %+v", me.User)
	}
	b.do("GET", "/api/admin/users", nil).expectStatus(t, http.StatusOK) // staff rights apply at once
}
