package account_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/account"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/mail/mailtest"
	"github.com/authkit/authkit/server/passkeys/passkeystest"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

func TestDeleteAccount_LeavesNoRowOfTheUserInAnyTable(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newServer(t, apitest.WithMail(smtp.URL()))
	zed := ts.Browser()
	u := zed.Register("zed.unique@example.com", "Zelda Unique")
	zed.ConfirmEmail()
	smtp.Wait(t, 0, mailWait) // the confirmation mail
	bob := ts.Browser()
	bobUser := bob.Register("bob@example.com", "Bob")
	bob.ConfirmEmail()

	// Everything an account leaves behind: a module's rows, a second
	// session, failed sign-ins, a pending email change, a mailed link,
	// staff actions.
	zed.Do("POST", "/api/bookmarks", map[string]string{"url": "https://diary.example/"}).ExpectStatus(t, http.StatusNoContent)
	ts.Browser().Login("zed.unique@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	ts.Browser().Login("zed.unique@example.com", "wrong password").ExpectError(t, 401, shared.CodeInvalidCredentials)
	zed.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "zed.next@example.com", CurrentPassword: apitest.Password}).
		ExpectStatus(t, http.StatusAccepted)
	ts.MakeStaff(u.ID, false)
	zed.Do("PATCH", "/api/admin/users/"+bobUser.ID, shared.AdminUpdateUserRequest{Name: ptr("Bobby")}).
		ExpectStatus(t, http.StatusOK)
	eventually(t, "the failed sign-in", func() bool {
		return len(rowsMentioning(t, ts.Store, "sign_in_failed")) == 1
	})
	// The second factors': an authenticator app and its recovery codes, a
	// passkey, a passkey's registration left half done, and a login
	// waiting for its code.
	ts.enableTOTP(t, zed)
	passkeystest.Register(t, zed, passkeystest.New(t, publicURL), "Zelda's phone")
	zed.Do("POST", "/api/me/passkeys/begin", nil).ExpectStatus(t, http.StatusOK)
	ts.Browser().Login("zed.unique@example.com", apitest.Password).ExpectError(t, 401, shared.CodeMFARequired)

	sessions, _ := ts.Store.UserSessions(t.Context(), u.ID)
	needles := []string{u.ID, "zed.unique@example.com", "zed.next@example.com", "Zelda Unique", "diary"}
	for _, s := range sessions {
		needles = append(needles, s.ID)
	}
	if len(rowsMentioning(t, ts.Store, needles...)) < 8 {
		t.Fatalf("the account left too few rows to test with: %v", rowsMentioning(t, ts.Store, needles...))
	}
	tables := tablesMentioning(t, ts.Store, u.ID)
	for _, want := range []string{"bookmarks", "mfa_challenges", "one_time_tokens", "passkeys", "recovery_codes", "security_events", "sessions", "totp_secrets", "webauthn_ceremonies"} {
		if !slices.Contains(tables, want) {
			t.Fatalf("no row of %s mentions the account, so the test proves nothing about it (tables: %v)", want, tables)
		}
	}

	// A wrong password deletes nothing, even from a recent session (a
	// missing one from a stale session neither: reauth_test.go).
	zed.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: "not it"}).ExpectError(t, 400, shared.CodeWrongPassword)
	zed.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: apitest.Password}, shared.CSRFHeader, "").
		ExpectError(t, 403, shared.CodeCSRFFailed)

	// The modules' hooks alone clear their tables: the foreign keys'
	// cascades, which would hide a missing hook, play no part here (the
	// transaction is rolled back).
	errRollBack := errors.New("roll back")
	err := ts.Store.InTx(t.Context(), func(tx *store.Store) error {
		if err := ts.API.RemoveUserData(t.Context(), tx, u.ID); err != nil {
			return err
		}
		for _, table := range tablesMentioning(t, tx, u.ID) {
			if !slices.Contains([]string{"mfa_challenges", "one_time_tokens", "refresh_tokens", "security_events", "sessions", "throttle_buckets", "users"}, table) {
				t.Errorf("the modules' hooks left rows of the account in %s", table)
			}
		}
		return errRollBack
	})
	if !errors.Is(err, errRollBack) {
		t.Fatal(err)
	}

	r := zed.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: apitest.Password})
	r.ExpectStatus(t, http.StatusNoContent)
	if cleared := strings.Join(r.Header.Values("Set-Cookie"), "\n"); strings.Count(cleared, "Max-Age=0") != 3 {
		t.Errorf("cookies not cleared: %s", cleared)
	}
	if left := rowsMentioning(t, ts.Store, needles...); len(left) > 0 {
		t.Errorf("rows of the deleted account remain:\n%s", strings.Join(left, "\n"))
	}
	// The deletion is recorded without saying whose; bob's event keeps
	// its change, without zed as the actor.
	if deletions := rowsMentioning(t, ts.Store, string(shared.EventAccountDeleted), string(shared.EventNameChanged)); len(deletions) != 2 {
		t.Errorf("events left = %v", deletions)
	}

	zed.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
	ts.Browser().Login("zed.unique@example.com", apitest.Password).ExpectError(t, 401, shared.CodeInvalidCredentials)
	bob.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)

	goodbye := waitForSubject(t, smtp, "Your account has been deleted")
	if goodbye.To[0] != "zed.unique@example.com" || !strings.Contains(goodbye.Part("text/plain"), "as you asked") {
		t.Errorf("goodbye to %v:\n%s", goodbye.To, goodbye.Part("text/plain"))
	}
}

func TestDeleteAccount_AFailingModuleHookDeletesNothing(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithModules(account.Module{}, bookmarks{failDelete: true}))
	b := ts.Browser()
	u := b.Register("ann@example.com", "Ann")
	b.ConfirmEmail()
	b.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: apitest.Password}).ExpectError(t, 500, shared.CodeInternal)
	if _, err := ts.Store.UserByID(t.Context(), u.ID); err != nil {
		t.Fatalf("the account is gone: %v", err)
	}
	if len(rowsMentioning(t, ts.Store, string(shared.EventAccountDeleted))) != 0 {
		t.Fatal("a deletion that rolled back was recorded")
	}
	b.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)
}

func TestDeleteAccount_TheLastSuperuserCannot(t *testing.T) {
	ts := newServer(t)
	root := ts.Browser()
	u := root.Register("root@example.com", "Root")
	root.ConfirmEmail()
	ts.MakeStaff(u.ID, true)
	e := root.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: apitest.Password}).
		ExpectError(t, 400, shared.CodeLastSuperuser)
	if !strings.Contains(e.Message, "last active superuser") {
		t.Errorf("message = %q", e.Message)
	}
	// An inactive superuser does not count.
	other := ts.Browser()
	o := other.Register("other@example.com", "Other")
	other.ConfirmEmail()
	ts.MakeStaff(o.ID, true)
	ts.SetActive(o.ID, false)
	root.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: apitest.Password}).ExpectError(t, 400, shared.CodeLastSuperuser)
	ts.SetActive(o.ID, true)
	root.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
}

// A superuser who is no longer staff cannot reach the admin, so they do
// not count as the one left to run the site: once another superuser has
// removed their staff status, the last superuser who is staff cannot
// delete their account.
func TestDeleteAccount_ASuperuserWithoutStaffStatusIsNotTheOneLeft(t *testing.T) {
	ts := newServer(t)
	root := ts.Browser()
	r := root.Register("root@example.com", "Root")
	root.ConfirmEmail()
	ts.MakeStaff(r.ID, true)
	other := ts.Browser()
	o := other.Register("other@example.com", "Other")
	other.ConfirmEmail()
	ts.MakeStaff(o.ID, true)

	root.Do("PATCH", "/api/admin/users/"+o.ID, map[string]any{"is_staff": false}).ExpectStatus(t, http.StatusOK)
	other.Do("GET", "/api/admin/users", nil).ExpectError(t, 403, shared.CodeForbidden)
	root.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: apitest.Password}).
		ExpectError(t, 400, shared.CodeLastSuperuser)
	root.Do("GET", "/api/admin/users", nil).ExpectStatus(t, http.StatusOK)

	// Staff again, the other superuser can run the site.
	root.Do("PATCH", "/api/admin/users/"+o.ID, map[string]any{"is_staff": true}).ExpectStatus(t, http.StatusOK)
	root.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
	other.Do("GET", "/api/admin/users", nil).ExpectStatus(t, http.StatusOK)
}

// Staff deleting an account (the kit's admin route) reaches the modules'
// data through the same hooks.
func TestAdminDelete_RemovesTheModulesRowsToo(t *testing.T) {
	ts := newServer(t)
	boss := ts.Browser()
	ts.MakeStaff(boss.Register("boss@example.com", "Boss").ID, false)
	zed := ts.Browser()
	u := zed.Register("zed@example.com", "Zed")
	zed.ConfirmEmail()
	zed.Do("POST", "/api/bookmarks", map[string]string{"url": "https://zed.example/"}).ExpectStatus(t, http.StatusNoContent)
	boss.Do("DELETE", "/api/admin/users/"+u.ID, nil).ExpectStatus(t, http.StatusNoContent)
	if left := rowsMentioning(t, ts.Store, u.ID, "zed.example", "zed@example.com"); len(left) > 0 {
		t.Errorf("rows left: %v", left)
	}
}
