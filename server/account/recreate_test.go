package account_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/sso/ssotest"
	"github.com/authkit/authkit/shared"
	sharedsso "github.com/authkit/authkit/shared/sso"
)

// TestAdminDelete_AProviderAccountLeavesNothingForTheNextAccountOfItsAddress:
// staff delete an account a provider made without vouching for its
// address (an identity, the unvouched mark, its events); no row names it
// afterwards, and an account made again with the same address starts
// with none of it.
func TestAdminDelete_AProviderAccountLeavesNothingForTheNextAccountOfItsAddress(t *testing.T) {
	ts := newServer(t)
	boss := ts.Browser()
	ts.MakeStaff(boss.Register("boss@example.com", "Boss").ID, false)
	ts.idp.Approve(ssotest.Person{Subject: "sub-zed", Email: "zed@example.com", EmailVerified: false, Name: "Zed"})
	zed := ts.Browser()
	next := "/api/auth/oauth/oidc/start"
	for range 3 {
		r := zed.Visit(next)
		r.ExpectStatus(t, http.StatusFound)
		next = r.Header.Get("Location")
	}
	var me shared.UserResponse
	zed.Do("GET", "/api/me", nil).Decode(t, &me)
	old := me.User
	if tables := tablesMentioning(t, ts.Store, old.ID); !strings.Contains(strings.Join(tables, " "), "unvouched_accounts") ||
		!strings.Contains(strings.Join(tables, " "), "user_identities") {
		t.Fatalf("the account left too little to test with: %v", tables)
	}

	boss.Do("DELETE", "/api/admin/users/"+old.ID, nil).ExpectStatus(t, http.StatusNoContent)
	zed.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
	if left := rowsMentioning(t, ts.Store, old.ID, "zed@example.com", "sub-zed"); len(left) > 0 {
		t.Errorf("rows of the deleted account remain:\n%s", strings.Join(left, "\n"))
	}

	again := ts.Browser()
	u := again.Register("zed@example.com", "Zed Again")
	if u.ID == old.ID {
		t.Fatal("the new account has the old id")
	}
	r := again.Do("GET", "/api/me/export", nil)
	r.ExpectStatus(t, http.StatusOK)
	var export shared.AccountExport
	r.Decode(t, &export)
	if types := apitest.EventTypes(export.SecurityEvents); len(types) != 1 || types[0] != shared.EventAccountCreated {
		t.Errorf("the new account's events = %v", types)
	}
	raw, _ := json.Marshal(export.Modules["sso"])
	var sso sharedsso.UserData
	if err := json.Unmarshal(raw, &sso); err != nil || len(sso.Identities) != 0 || sso.Unvouched != nil {
		t.Errorf("the new account inherited the old one's provider data: %s (%v)", raw, err)
	}
	for _, name := range []string{"totp", "passkeys", "bookmarks"} {
		if m, _ := json.Marshal(export.Modules[name]); strings.Contains(string(m), old.ID) {
			t.Errorf("%s names the old account: %s", name, m)
		}
	}
}
