package httpapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

func TestMe_RequiresAuthentication(t *testing.T) {
	ts := apitest.NewServer(t)
	for _, ep := range []struct{ method, path string }{
		{"GET", "/api/me"}, {"PATCH", "/api/me"}, {"POST", "/api/me/password"},
		{"GET", "/api/me/sessions"}, {"DELETE", "/api/me/sessions/x"},
		{"GET", "/api/admin/users"}, {"PATCH", "/api/admin/users/x"},
	} {
		ts.Browser().Do(ep.method, ep.path, nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
	}
}

func TestMe_UpdateName(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	r := b.Do("PATCH", "/api/me", map[string]string{"name": "  Ann Lee  "})
	r.ExpectStatus(t, http.StatusOK)
	var body shared.UserResponse
	r.Decode(t, &body)
	if body.User.Name != "Ann Lee" {
		t.Fatalf("name = %q", body.User.Name)
	}
	for _, bad := range []any{`{"name":""}`, `{}`, map[string]string{"name": strings.Repeat("é", 101)}} {
		b.Do("PATCH", "/api/me", bad).ExpectError(t, 400, shared.CodeValidationFailed)
	}
	b.Do("PATCH", "/api/me", `{"name":true}`).ExpectError(t, 400, shared.CodeInvalidJSON)
	b.Do("PATCH", "/api/me", `{"name":"x","email":"other@example.com"}`).ExpectError(t, 400, shared.CodeInvalidJSON)
}

// Each name change is a security event: a loop of them must not push the
// account's other events out of its capped history in minutes.
func TestMe_NameChangesAreThrottledPerAccount(t *testing.T) {
	ts := apitest.NewServer(t)
	ann := ts.Browser()
	annUser := ann.Register("ann@example.com", "Ann")
	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob")
	for i := range 10 {
		ann.Do("PATCH", "/api/me", map[string]string{"name": "Ann " + strconv.Itoa(i)}).ExpectStatus(t, http.StatusOK)
	}
	countEvents := func() int {
		events, err := ts.Store.ListEvents(t.Context(), store.EventFilter{UserID: annUser.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(events)
	}
	events := countEvents()
	r := ann.Do("PATCH", "/api/me", map[string]string{"name": "Ann again"})
	r.ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if got := countEvents(); got != events {
		t.Errorf("the refused change recorded an event: %d, were %d", got, events)
	}
	var me shared.UserResponse
	ann.Do("GET", "/api/me", nil).Decode(t, &me)
	if me.User.Name != "Ann 9" {
		t.Errorf("name = %q, want the last accepted", me.User.Name)
	}
	bob.Do("PATCH", "/api/me", map[string]string{"name": "Bob B"}).ExpectStatus(t, http.StatusOK) // his own budget
	ts.Advance(6 * time.Minute)                                                                   // one token back (and past the access token: sign in again)
	ann.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	ann.Do("PATCH", "/api/me", map[string]string{"name": "Ann again"}).ExpectStatus(t, http.StatusOK)
}

func TestChangePassword_KeepsThisSessionAndEndsTheOthers(t *testing.T) {
	ts := apitest.NewServer(t)
	laptop := ts.Browser()
	laptop.Register("ann@example.com", "Ann")
	phone := ts.Browser()
	phone.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)

	laptop.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: "wrong one!", NewPassword: "a brand new passphrase"}).
		ExpectError(t, 400, shared.CodeWrongPassword)
	laptop.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "short"}).
		ExpectError(t, 400, shared.CodeValidationFailed)
	laptop.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "a brand new passphrase"}).
		ExpectStatus(t, http.StatusNoContent)

	laptop.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)
	phone.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
	ts.Browser().Login("ann@example.com", apitest.Password).ExpectError(t, 401, shared.CodeInvalidCredentials)
	ts.Browser().Login("ann@example.com", "a brand new passphrase").ExpectStatus(t, http.StatusOK)
}

func TestSessions_ListAndRevoke(t *testing.T) {
	ts := apitest.NewServer(t)
	laptop := ts.Browser()
	laptop.Register("ann@example.com", "Ann")
	phone := ts.Browser()
	phone.Do("POST", "/api/auth/login", shared.LoginRequest{Email: "ann@example.com", Password: apitest.Password}, "User-Agent", "PhoneBrowser/1.0").
		ExpectStatus(t, http.StatusOK)
	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob")

	r := laptop.Do("GET", "/api/me/sessions", nil)
	r.ExpectStatus(t, http.StatusOK)
	var list shared.SessionsResponse
	r.Decode(t, &list)
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
	bob.Do("DELETE", "/api/me/sessions/"+phoneID, nil).ExpectError(t, 404, shared.CodeNotFound)
	phone.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)

	laptop.Do("DELETE", "/api/me/sessions/"+phoneID, nil).ExpectStatus(t, http.StatusNoContent)
	phone.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
	laptop.Do("DELETE", "/api/me/sessions/"+phoneID, nil).ExpectError(t, 404, shared.CodeNotFound)
	laptop.Do("GET", "/api/me/sessions", nil).Decode(t, &list)
	if len(list.Sessions) != 1 || !list.Sessions[0].Current {
		t.Fatalf("after revoke: %+v", list.Sessions)
	}
}

// TestMe_ReflectsChangesAtOnce guards the user cache behind GET /api/me:
// every write to a user must show on the next read.
func TestMe_ReflectsChangesAtOnce(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	u := b.Register("ann@example.com", "Ann")
	root := ts.Browser()
	r := root.Register("root@example.com", "Root")
	ts.MakeStaff(r.ID, true)
	name := func() string {
		var me shared.UserResponse
		b.Do("GET", "/api/me", nil).Decode(t, &me)
		return me.User.Name
	}
	if name() != "Ann" { // now cached
		t.Fatal("wrong name")
	}
	b.Do("PATCH", "/api/me", map[string]string{"name": "Ann Two"}).ExpectStatus(t, http.StatusOK)
	if got := name(); got != "Ann Two" {
		t.Fatalf("after PATCH: %q", got)
	}
	root.Do("PATCH", "/api/admin/users/"+u.ID, map[string]any{"name": "Ann Three", "is_staff": true}).ExpectStatus(t, http.StatusOK)
	var me shared.UserResponse
	b.Do("GET", "/api/me", nil).Decode(t, &me)
	if me.User.Name != "Ann Three" || !me.User.IsStaff {
		t.Fatalf("after the admin's change: %+v", me.User)
	}
	b.Do("GET", "/api/admin/users", nil).ExpectStatus(t, http.StatusOK) // staff rights apply at once
}
