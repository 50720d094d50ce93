package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/authkit/authkit/shared"
)

func TestAdmin_NonStaffIsForbidden(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser()
	u := b.register("ann@example.com", "Ann")
	b.do("GET", "/api/admin/users", nil).expectError(t, 403, shared.CodeForbidden)
	b.do("PATCH", "/api/admin/users/"+u.ID, map[string]any{"name": "X"}).expectError(t, 403, shared.CodeForbidden)
}

func TestAdmin_ListSearchAndPage(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.browser()
	a := admin.register("admin@example.com", "Admin")
	makeStaff(t, ts, a.ID, false)
	for i := range 5 {
		ts.browser().register(fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("Person %d", i))
	}
	ts.browser().register("zed@other.org", "Zed 100%_match")

	var page shared.UsersResponse
	admin.do("GET", "/api/admin/users?limit=2&offset=0", nil).decode(t, &page)
	if page.Total != 7 || len(page.Users) != 2 {
		t.Fatalf("page = %+v", page)
	}
	admin.do("GET", "/api/admin/users?q=PERSON", nil).decode(t, &page)
	if page.Total != 5 {
		t.Fatalf("search by name: %+v", page)
	}
	admin.do("GET", "/api/admin/users?q=other.org", nil).decode(t, &page)
	if page.Total != 1 || page.Users[0].Email != "zed@other.org" {
		t.Fatalf("search by email: %+v", page)
	}
	// LIKE wildcards in the query are literal.
	admin.do("GET", "/api/admin/users?q=%25_", nil).decode(t, &page)
	if page.Total != 1 {
		t.Fatalf("wildcard search: %+v", page)
	}
	admin.do("GET", "/api/admin/users?limit=abc", nil).expectError(t, 400, shared.CodeValidationFailed)
	admin.do("GET", "/api/admin/users?offset=-1", nil).expectError(t, 400, shared.CodeValidationFailed)
}

func TestAdmin_DeactivationLogsTheUserOutAtOnce(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.browser()
	a := admin.register("admin@example.com", "Admin")
	makeStaff(t, ts, a.ID, false)
	victim := ts.browser()
	v := victim.register("ann@example.com", "Ann")
	pair := ts.tokens("ann@example.com", testPassword)
	victim.do("GET", "/api/me", nil).expectStatus(t, http.StatusOK)

	r := admin.do("PATCH", "/api/admin/users/"+v.ID, map[string]any{"is_active": false})
	r.expectStatus(t, http.StatusOK)
	var body shared.UserResponse
	r.decode(t, &body)
	if body.User.IsActive {
		t.Fatal("still active")
	}
	victim.do("GET", "/api/me", nil).expectError(t, 401, shared.CodeNotAuthenticated)
	ts.apiClient().do("GET", "/api/me", nil, bearer(pair.Access)...).expectError(t, 401, shared.CodeNotAuthenticated)
	ts.apiClient().do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).expectError(t, 401, shared.CodeNotAuthenticated)
	ts.browser().login("ann@example.com", testPassword).expectError(t, 401, shared.CodeInvalidCredentials)

	admin.do("PATCH", "/api/admin/users/"+v.ID, map[string]any{"is_active": true}).expectStatus(t, http.StatusOK)
	ts.browser().login("ann@example.com", testPassword).expectStatus(t, http.StatusOK)
}

func TestAdmin_OnlySuperusersChangeStaff(t *testing.T) {
	ts := newTestServer(t)
	staff := ts.browser()
	s := staff.register("staff@example.com", "Staff")
	makeStaff(t, ts, s.ID, false)
	root := ts.browser()
	su := root.register("root@example.com", "Root")
	makeStaff(t, ts, su.ID, true)
	u := ts.browser().register("ann@example.com", "Ann")

	staff.do("PATCH", "/api/admin/users/"+u.ID, map[string]any{"is_staff": true}).expectError(t, 403, shared.CodeForbidden)
	staff.do("PATCH", "/api/admin/users/"+su.ID, map[string]any{"is_active": false}).expectError(t, 403, shared.CodeForbidden)
	staff.do("PATCH", "/api/admin/users/"+u.ID, map[string]any{"name": "Ann Renamed"}).expectStatus(t, http.StatusOK)

	var body shared.UserResponse
	root.do("PATCH", "/api/admin/users/"+u.ID, map[string]any{"is_staff": true}).decode(t, &body)
	if !body.User.IsStaff || body.User.Name != "Ann Renamed" {
		t.Fatalf("user = %+v", body.User)
	}
	root.do("PATCH", "/api/admin/users/"+su.ID, map[string]any{"is_active": false}).expectError(t, 400, shared.CodeValidationFailed)
	root.do("PATCH", "/api/admin/users/nope", map[string]any{"name": "X"}).expectError(t, 404, shared.CodeNotFound)
	root.do("PATCH", "/api/admin/users/"+u.ID, `{}`).expectError(t, 400, shared.CodeValidationFailed)
	root.do("PATCH", "/api/admin/users/"+u.ID, `{"is_active":"no"}`).expectError(t, 400, shared.CodeInvalidJSON)
	root.do("PATCH", "/api/admin/users/"+u.ID, `{"is_superuser":true}`).expectError(t, 400, shared.CodeInvalidJSON)
}
