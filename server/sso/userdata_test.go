package sso_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/account"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/sso/ssotest"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
	sharedsso "github.com/authkit/authkit/shared/sso"
)

// The module's answers to the account module's hooks
// (httpapi.UserDataOwner): a deleted account takes its identities and the
// connections it had in flight; an export holds its identities.

// rows counts the rows of table that hold userID.
func (k *kit) rows(table, userID string) int {
	k.t.Helper()
	n, err := k.ts.Store.IDB().NewSelect().Table(table).Where("user_id = ?", userID).Count(k.t.Context())
	if err != nil {
		k.t.Fatal(err)
	}
	return int(n)
}

// connectGitHub connects a GitHub account to the browser's user.
func (k *kit) connectGitHub(b *apitest.Client) {
	k.t.Helper()
	k.github.Approve(ssotest.GitHubUser{ID: 99, Login: "ann-gh", Emails: []ssotest.GitHubEmail{{Email: "ann@work.example", Primary: true, Verified: true}}})
	if got := k.walk(b, "/api/auth/oauth/github/start?link=1"); got != "/profile?connected=github" {
		k.t.Fatalf("landed on %q", got)
	}
}

func TestUserData_DeletingTheAccountTakesItsIdentitiesAndPendingConnections(t *testing.T) {
	k := newKit(t, apitest.WithModules(account.Module{}))
	ann := k.ts.Browser()
	annID := ann.Register("ann@example.com", "Ann").ID
	ann.ConfirmEmail()
	k.connectGitHub(ann)
	k.toProvider(ann, "/api/auth/oauth/oidc/start?link=1") // and never comes back
	bob := k.signIn(person("bob"))
	bobID := k.me(bob).ID
	if k.rows("user_identities", annID) != 1 || k.rows("oauth_attempts", annID) != 1 {
		t.Fatalf("before: %d identities, %d attempts", k.rows("user_identities", annID), k.rows("oauth_attempts", annID))
	}

	ann.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
	if k.rows("user_identities", annID) != 0 || k.rows("oauth_attempts", annID) != 0 {
		t.Fatalf("after: %d identities, %d attempts", k.rows("user_identities", annID), k.rows("oauth_attempts", annID))
	}
	if k.rows("user_identities", bobID) != 1 {
		t.Fatal("Bob's identity went too")
	}
	// The GitHub account is nobody's now: it may make a new account.
	k.github.Approve(ssotest.GitHubUser{ID: 99, Login: "ann-gh", Emails: []ssotest.GitHubEmail{{Email: "ann@work.example", Primary: true, Verified: true}}})
	b := k.ts.Browser()
	if got := k.walk(b, "/api/auth/oauth/github/start"); got != "/profile" {
		t.Fatalf("landed on %q", got)
	}
	if u := k.me(b); u.ID == annID || u.Email != "ann@work.example" {
		t.Fatalf("signed in as %+v", u)
	}
}

// TestUserData_TheDeleteHookDeletesTheRowsItself: the hook does not lean
// on the identities' foreign key, and reaches the attempts, which have
// none.
func TestUserData_TheDeleteHookDeletesTheRowsItself(t *testing.T) {
	k := newKit(t)
	ann := k.signIn(person("ann"))
	annID := k.me(ann).ID
	k.toProvider(ann, "/api/auth/oauth/github/start?link=1") // and never comes back

	ctx := t.Context()
	err := k.ts.Store.InTx(ctx, func(tx *store.Store) error { return k.module.DeleteUserData(ctx, tx, annID) })
	if err != nil {
		t.Fatal(err)
	}
	if k.rows("user_identities", annID) != 0 || k.rows("oauth_attempts", annID) != 0 {
		t.Fatalf("%d identities, %d attempts left", k.rows("user_identities", annID), k.rows("oauth_attempts", annID))
	}
	if _, err := k.ts.Store.UserByID(ctx, annID); err != nil {
		t.Fatalf("the user went too: %v", err)
	}
}

func TestUserData_TheExportHoldsTheIdentitiesAndNoSecret(t *testing.T) {
	k := newKit(t, apitest.WithModules(account.Module{}))
	ann := k.signIn(person("ann"))
	k.connectGitHub(ann)

	r := ann.Do("GET", "/api/me/export", nil)
	r.ExpectStatus(t, http.StatusOK)
	var export struct {
		Modules map[string]json.RawMessage `json:"modules"`
	}
	r.Decode(t, &export)
	raw := string(export.Modules["sso"])
	var got sharedsso.IdentitiesResponse
	if err := json.Unmarshal(export.Modules["sso"], &got); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	ids := got.Identities
	if len(ids) != 2 ||
		ids[0].Provider != "oidc" || ids[0].ProviderName != "Company SSO" || ids[0].Email != "ann@example.com" || ids[0].CreatedAt.IsZero() ||
		ids[1].Provider != "github" || ids[1].ProviderName != "GitHub" || ids[1].Email != "ann@work.example" {
		t.Fatalf("exported %s", raw)
	}
	// The provider's subject, and anything of a sign-in in flight, stay
	// out: the export is what the profile shows.
	for _, secret := range []string{"subject", "sub-ann", "token", "verifier", "nonce", "state"} {
		if strings.Contains(strings.ToLower(raw), secret) {
			t.Errorf("the export mentions %q: %s", secret, raw)
		}
	}
	// The hook answers the same without the HTTP layer.
	data, err := k.module.ExportUserData(t.Context(), k.ts.Store, k.me(ann).ID)
	if err != nil {
		t.Fatal(err)
	}
	if direct, _ := json.Marshal(data); string(direct) != raw {
		t.Errorf("the hook gives %s, the export %s", direct, raw)
	}
}

// TestUserData_TheExportHoldsTheUnvouchedMark: an account a provider
// made without vouching for its address keeps that address in its mark
// (unvouched_accounts), through an email change too, until the mark is
// cleared. It is personal data the server keeps, so the export holds it.
func TestUserData_TheExportHoldsTheUnvouchedMark(t *testing.T) {
	k := newKit(t, apitest.WithModules(account.Module{}))
	ann := k.signIn(unvouched("ann"))
	k.signIn(unvouched("bob")) // a mark that is not Ann's
	if k.rows("unvouched_accounts", k.me(ann).ID) != 1 {
		t.Fatal("the account is not marked, so the test proves nothing")
	}
	ann.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "ann.next@example.com"}).ExpectStatus(t, http.StatusAccepted)

	r := ann.Do("GET", "/api/me/export", nil)
	r.ExpectStatus(t, http.StatusOK)
	var export struct {
		Modules map[string]json.RawMessage `json:"modules"`
	}
	r.Decode(t, &export)
	var got sharedsso.UserData
	if err := json.Unmarshal(export.Modules["sso"], &got); err != nil {
		t.Fatalf("%v: %s", err, export.Modules["sso"])
	}
	if got.Unvouched == nil || got.Unvouched.Email != "ann@example.com" || got.Unvouched.MarkedAt.IsZero() || len(got.Identities) != 1 {
		t.Fatalf("exported %s", export.Modules["sso"])
	}
	if strings.Contains(string(export.Modules["sso"]), "bob") {
		t.Errorf("the export holds another account's mark: %s", export.Modules["sso"])
	}
	// An account with no mark exports none.
	var cy sharedsso.UserData
	data, err := k.module.ExportUserData(t.Context(), k.ts.Store, k.me(k.signIn(person("cy"))).ID)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(data)
	if err := json.Unmarshal(raw, &cy); err != nil || cy.Unvouched != nil || strings.Contains(string(raw), "unvouched") {
		t.Errorf("an account without a mark exports %s (%v)", raw, err)
	}
}
