package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

func TestAdmin_NonStaffIsForbidden(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	u := b.Register("ann@example.com", "Ann")
	b.Do("GET", "/api/admin/users", nil).ExpectError(t, 403, shared.CodeForbidden)
	b.Do("PATCH", "/api/admin/users/"+u.ID, map[string]any{"name": "X"}).ExpectError(t, 403, shared.CodeForbidden)
}

func TestAdmin_ListSearchAndPage(t *testing.T) {
	ts := apitest.NewServer(t)
	admin := ts.Browser()
	a := admin.Register("admin@example.com", "Admin")
	ts.MakeStaff(a.ID, false)
	for i := range 5 {
		ts.Browser().Register(fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("Person %d", i))
	}
	ts.Browser().Register("zed@other.org", "Zed 100%_match")

	var page shared.UsersResponse
	admin.Do("GET", "/api/admin/users?limit=2&offset=0", nil).Decode(t, &page)
	if page.Total != 7 || len(page.Users) != 2 {
		t.Fatalf("page = %+v", page)
	}
	admin.Do("GET", "/api/admin/users?q=PERSON", nil).Decode(t, &page)
	if page.Total != 5 {
		t.Fatalf("search by name: %+v", page)
	}
	admin.Do("GET", "/api/admin/users?q=other.org", nil).Decode(t, &page)
	if page.Total != 1 || page.Users[0].Email != "zed@other.org" {
		t.Fatalf("search by email: %+v", page)
	}
	// LIKE wildcards in the query are literal.
	admin.Do("GET", "/api/admin/users?q=%25_", nil).Decode(t, &page)
	if page.Total != 1 {
		t.Fatalf("wildcard search: %+v", page)
	}
	admin.Do("GET", "/api/admin/users?limit=abc", nil).ExpectError(t, 400, shared.CodeValidationFailed)
	admin.Do("GET", "/api/admin/users?offset=-1", nil).ExpectError(t, 400, shared.CodeValidationFailed)

	// A term longer than any address or name matches nothing; one long
	// enough for SQLite to refuse its LIKE pattern (50,000 bytes) is a
	// bad request, not an internal error.
	admin.Do("GET", "/api/admin/users?q="+strings.Repeat("é", 254), nil).ExpectStatus(t, http.StatusOK)
	for _, n := range []int{255, 60000} {
		admin.Do("GET", "/api/admin/users?q="+strings.Repeat("a", n), nil).ExpectError(t, 400, shared.CodeValidationFailed)
	}
}

// The search is case-insensitive beyond ASCII: staff find a name as they
// see it, or in lower case, whatever its letters; and whichever way their
// keyboard typed an accented letter (one code point, or a letter and a
// combining accent), as names and addresses are stored in NFC.
func TestAdmin_SearchFoldsTheCaseOfEveryLetter(t *testing.T) {
	ts := apitest.NewServer(t)
	admin := ts.Browser()
	ts.MakeStaff(admin.Register("admin@example.com", "Admin").ID, false)
	ts.Browser().Register("elodie@example.com", "Élodie Ørsted")
	ts.Browser().Register("ivan@example.com", "Иван Петров")
	ts.Browser().Register("zoë@example.com", "Zoe")
	for q, want := range map[string]string{
		"Élodie": "elodie@example.com", "élodie": "elodie@example.com", "ØRSTED": "elodie@example.com",
		"E\u0301lodie": "elodie@example.com", "e\u0301lodie": "elodie@example.com",
		"Иван": "ivan@example.com", "петров": "ivan@example.com",
		"zoë@": "zoë@example.com", "ZOE\u0308@": "zoë@example.com",
	} {
		var page shared.UsersResponse
		admin.Do("GET", "/api/admin/users?q="+url.QueryEscape(q), nil).Decode(t, &page)
		if page.Total != 1 || len(page.Users) != 1 || page.Users[0].Email != want {
			t.Errorf("q=%s: %+v, want %s alone", q, page, want)
		}
	}
}

func TestAdmin_DeactivationLogsTheUserOutAtOnce(t *testing.T) {
	ts := apitest.NewServer(t)
	admin := ts.Browser()
	a := admin.Register("admin@example.com", "Admin")
	ts.MakeStaff(a.ID, false)
	victim := ts.Browser()
	v := victim.Register("ann@example.com", "Ann")
	pair := ts.Tokens("ann@example.com", apitest.Password)
	victim.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)

	r := admin.Do("PATCH", "/api/admin/users/"+v.ID, map[string]any{"is_active": false})
	r.ExpectStatus(t, http.StatusOK)
	var body shared.UserResponse
	r.Decode(t, &body)
	if body.User.IsActive {
		t.Fatal("still active")
	}
	victim.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
	ts.TokenClient().Do("GET", "/api/me", nil, apitest.Bearer(pair.Access)...).ExpectError(t, 401, shared.CodeNotAuthenticated)
	ts.TokenClient().Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).ExpectError(t, 401, shared.CodeNotAuthenticated)
	ts.Browser().Login("ann@example.com", apitest.Password).ExpectError(t, 401, shared.CodeInvalidCredentials)

	admin.Do("PATCH", "/api/admin/users/"+v.ID, map[string]any{"is_active": true}).ExpectStatus(t, http.StatusOK)
	ts.Browser().Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
}

func TestAdmin_OnlySuperusersChangeStaff(t *testing.T) {
	ts := apitest.NewServer(t)
	staff := ts.Browser()
	s := staff.Register("staff@example.com", "Staff")
	ts.MakeStaff(s.ID, false)
	root := ts.Browser()
	su := root.Register("root@example.com", "Root")
	ts.MakeStaff(su.ID, true)
	u := ts.Browser().Register("ann@example.com", "Ann")

	staff.Do("PATCH", "/api/admin/users/"+u.ID, map[string]any{"is_staff": true}).ExpectError(t, 403, shared.CodeForbidden)
	staff.Do("PATCH", "/api/admin/users/"+su.ID, map[string]any{"is_active": false}).ExpectError(t, 403, shared.CodeForbidden)
	staff.Do("PATCH", "/api/admin/users/"+u.ID, map[string]any{"name": "Ann Renamed"}).ExpectStatus(t, http.StatusOK)

	var body shared.UserResponse
	root.Do("PATCH", "/api/admin/users/"+u.ID, map[string]any{"is_staff": true}).Decode(t, &body)
	if !body.User.IsStaff || body.User.Name != "Ann Renamed" {
		t.Fatalf("user = %+v", body.User)
	}
	root.Do("PATCH", "/api/admin/users/"+su.ID, map[string]any{"is_active": false}).ExpectError(t, 400, shared.CodeValidationFailed)
	root.Do("PATCH", "/api/admin/users/nope", map[string]any{"name": "X"}).ExpectError(t, 404, shared.CodeNotFound)
	root.Do("PATCH", "/api/admin/users/"+u.ID, `{}`).ExpectError(t, 400, shared.CodeValidationFailed)
	root.Do("PATCH", "/api/admin/users/"+u.ID, `{"is_active":"no"}`).ExpectError(t, 400, shared.CodeInvalidJSON)
	root.Do("PATCH", "/api/admin/users/"+u.ID, `{"is_superuser":true}`).ExpectError(t, 400, shared.CodeInvalidJSON)
}

// A NUL byte can be neither stored nor looked up (bun refuses to put one
// in a query, and both databases would), so staff's search, filters and
// the ids in their paths answer one with 400, not a 500 from the
// database.
func TestAdmin_ANulByteInAParameterIsRefusedNotAnInternalError(t *testing.T) {
	ts := apitest.NewServer(t)
	admin := ts.Browser()
	a := admin.Register("admin@example.com", "Admin")
	ts.MakeStaff(a.ID, true)
	for _, path := range []string{
		"/api/admin/users?q=%00", "/api/admin/users?q=ann%00",
		"/api/admin/events?user_id=%00", "/api/admin/events?type=x%00", "/api/admin/events?before=%00",
	} {
		if r := admin.Do("GET", path, nil); r.Status != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400; body %s", path, r.Status, r.Body)
		}
	}
	for _, req := range []struct{ method, path string }{
		{"PATCH", "/api/admin/users/%00"}, {"DELETE", "/api/admin/users/x%00"}, {"POST", "/api/admin/users/%00/reset-factors"},
	} {
		if r := admin.Do(req.method, req.path, map[string]any{"name": "X"}); r.Status != http.StatusBadRequest {
			t.Errorf("%s %s: status %d, want 400; body %s", req.method, req.path, r.Status, r.Body)
		}
	}
	// %2500 is a percent sign and two zeros: a search like any other.
	admin.Do("GET", "/api/admin/users?q=%2500", nil).ExpectStatus(t, http.StatusOK)
}
