package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/mail/mailtest"
	"github.com/authkit/authkit/shared"
)

// Staff's side of security events and deletion: who may delete whom, and
// the audit trail of admin actions. (The account module tests the owner's
// side, and that deletion reaches every module's data.)

func TestAdminDelete_WhoMayDeleteWhom(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := apitest.NewServer(t, apitest.WithMail(smtp.URL()))
	register := func(email string, staff, super bool) (*apitest.Client, shared.User) {
		c := ts.Browser()
		u := c.Register(email, strings.Split(email, "@")[0])
		if staff {
			ts.MakeStaff(u.ID, super)
		}
		return c, u
	}
	root, rootUser := register("root@example.com", true, true)
	mod, modUser := register("mod@example.com", true, false)
	_, otherMod := register("mod2@example.com", true, false)
	_, ann := register("ann@example.com", false, false)
	bob, bobUser := register("bob@example.com", false, false)

	del := func(c *apitest.Client, id string) apitest.Response {
		return c.Do("DELETE", "/api/admin/users/"+id, nil)
	}
	del(bob, ann.ID).ExpectError(t, 403, shared.CodeForbidden)
	del(mod, otherMod.ID).ExpectError(t, 403, shared.CodeForbidden)
	del(mod, rootUser.ID).ExpectError(t, 403, shared.CodeForbidden)
	del(mod, modUser.ID).ExpectError(t, 400, shared.CodeValidationFailed)
	del(root, rootUser.ID).ExpectError(t, 400, shared.CodeValidationFailed)
	del(mod, "no-such-id").ExpectError(t, 404, shared.CodeNotFound)

	del(mod, ann.ID).ExpectStatus(t, http.StatusNoContent)
	del(mod, ann.ID).ExpectError(t, 404, shared.CodeNotFound)
	del(root, otherMod.ID).ExpectStatus(t, http.StatusNoContent)
	bob.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)
	del(root, bobUser.ID).ExpectStatus(t, http.StatusNoContent)
	bob.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)

	// The audit names who deleted, not whom.
	var audit shared.AuditResponse
	root.Do("GET", "/api/admin/events?type=account_deleted", nil).Decode(t, &audit)
	if len(audit.Events) != 3 {
		t.Fatalf("deletions in the audit: %+v", audit.Events)
	}
	for _, e := range audit.Events {
		if e.UserID != "" || e.UserEmail != "" || e.ActorEmail == "" || e.Detail[shared.DetailBy] != "staff" {
			t.Errorf("audit event %+v", e)
		}
	}
	if audit.Events[1].Detail[shared.DetailStaff] != "true" || audit.Events[0].ActorEmail != "root@example.com" {
		t.Errorf("audit = %+v", audit.Events)
	}
	smtp.Wait(t, 7, mailWait) // five confirmations, three goodbyes
	goodbyes := 0
	for _, m := range smtp.Messages() {
		if m.Subject() == "Your account has been deleted" {
			goodbyes++
			if !strings.Contains(m.Part("text/plain"), "An administrator deleted your account.") {
				t.Errorf("goodbye:\n%s", m.Part("text/plain"))
			}
		}
	}
	if goodbyes != 3 {
		t.Errorf("%d goodbyes, want 3", goodbyes)
	}
}

func TestAdminEvents_StaffSeeEveryAccountAndTheAuditOfAdminActions(t *testing.T) {
	ts := apitest.NewServer(t)
	boss := ts.Browser()
	bossUser := boss.Register("boss@example.com", "Boss")
	ts.MakeStaff(bossUser.ID, true)
	bob := ts.Browser()
	bobUser := bob.Register("bob@example.com", "Bob")
	bob.Do("GET", "/api/admin/events", nil).ExpectError(t, 403, shared.CodeForbidden)

	no, yes := false, true
	boss.Do("PATCH", "/api/admin/users/"+bobUser.ID, shared.AdminUpdateUserRequest{IsActive: &no}).ExpectStatus(t, http.StatusOK)
	boss.Do("PATCH", "/api/admin/users/"+bobUser.ID, shared.AdminUpdateUserRequest{IsActive: &yes, IsStaff: &yes}).ExpectStatus(t, http.StatusOK)
	boss.Do("PATCH", "/api/admin/users/"+bobUser.ID, shared.AdminUpdateUserRequest{IsActive: &yes}).ExpectStatus(t, http.StatusOK) // no change, no event

	audit := func(query string) []shared.AuditEvent {
		t.Helper()
		r := boss.Do("GET", "/api/admin/events"+query, nil)
		r.ExpectStatus(t, http.StatusOK)
		var resp shared.AuditResponse
		r.Decode(t, &resp)
		return resp.Events
	}
	actions := audit("?staff_actions=true")
	var got []shared.EventType
	for _, e := range actions {
		got = append(got, e.Type)
		if e.ActorEmail != "boss@example.com" || e.UserEmail != "bob@example.com" || e.IP != "127.0.0.1" {
			t.Errorf("audit event %+v", e)
		}
	}
	want := []shared.EventType{shared.EventStaffGranted, shared.EventAccountReactivated, shared.EventAccountDeactivated}
	if !slices.Equal(got, want) {
		t.Errorf("admin actions = %v, want %v", got, want)
	}
	if all := audit("?user_id=" + bobUser.ID); len(all) != 4 || all[3].Type != shared.EventAccountCreated {
		t.Errorf("bob's events = %+v", all)
	}
	if created := audit("?type=account_created&limit=1"); len(created) != 1 || created[0].UserEmail != "bob@example.com" {
		t.Errorf("newest account_created = %+v", created)
	}
	for _, q := range []string{"?staff_actions=maybe", "?limit=-2"} {
		boss.Do("GET", "/api/admin/events"+q, nil).ExpectError(t, 400, shared.CodeValidationFailed)
	}

	// Bob sees what staff did to his account, not from where.
	own, err := ts.Auth.Activity.List(t.Context(), auth.Principal{UserID: bobUser.ID}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range own {
		if e.ActorID != "" || (e.Type == string(shared.EventAccountDeactivated) && (e.IP != "" || e.UserAgent != "")) {
			t.Errorf("the owner sees the staff member: %+v", e)
		}
	}
}

// A staff member's address and browser are theirs: the owner of an
// account they acted on never sees them, not even once the staff member's
// own account is gone (and its actor_id with it), and nothing of theirs
// outlives their deletion in the audit either.
func TestAdminEvents_ADeletedStaffMembersClientIsNotLeftBehind(t *testing.T) {
	ts := apitest.NewServer(t)
	root := ts.Browser()
	ts.MakeStaff(root.Register("root@example.com", "Root").ID, true)
	mod := ts.Browser()
	modUser := mod.Register("mod@example.com", "Mod")
	ts.MakeStaff(modUser.ID, false)
	bob := ts.Browser()
	bobUser := bob.Register("bob@example.com", "Bob")
	ann := ts.Browser()
	annUser := ann.Register("ann@example.com", "Ann")

	const modBrowser = "ModeratorsOwnBrowser/1.0"
	robert := "Robert"
	mod.Do("PATCH", "/api/admin/users/"+bobUser.ID, shared.AdminUpdateUserRequest{Name: &robert}, "User-Agent", modBrowser).
		ExpectStatus(t, http.StatusOK)
	mod.Do("DELETE", "/api/admin/users/"+annUser.ID, nil, "User-Agent", modBrowser).ExpectStatus(t, http.StatusNoContent)
	root.Do("DELETE", "/api/admin/users/"+modUser.ID, nil).ExpectStatus(t, http.StatusNoContent)

	own, err := ts.Auth.Activity.List(t.Context(), auth.Principal{UserID: bobUser.ID}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range own {
		if e.Type == string(shared.EventNameChanged) && (e.IP != "" || e.UserAgent != "") {
			t.Errorf("the owner sees the deleted staff member's client: %+v", e)
		}
	}
	var audit shared.AuditResponse
	root.Do("GET", "/api/admin/events?limit=100", nil).Decode(t, &audit)
	for _, e := range audit.Events {
		if e.UserAgent == modBrowser {
			t.Errorf("the deleted staff member's browser outlives their account: %+v", e)
		}
	}
}

// The audit of admin actions keeps what a staff member did once their
// account is gone, without them: a moderator who deletes their own
// account (or is deleted) does not take their actions out of the audit.
func TestAdminEvents_ADeletedStaffMembersActionsStayInTheAudit(t *testing.T) {
	ts := apitest.NewServer(t)
	root := ts.Browser()
	ts.MakeStaff(root.Register("root@example.com", "Root").ID, true)
	mod := ts.Browser()
	modUser := mod.Register("mod@example.com", "Mod")
	ts.MakeStaff(modUser.ID, false)
	bobUser := ts.Browser().Register("bob@example.com", "Bob")
	annUser := ts.Browser().Register("ann@example.com", "Ann")

	robert, no := "Robert", false
	mod.Do("PATCH", "/api/admin/users/"+bobUser.ID, shared.AdminUpdateUserRequest{Name: &robert}).ExpectStatus(t, http.StatusOK)
	mod.Do("PATCH", "/api/admin/users/"+bobUser.ID, shared.AdminUpdateUserRequest{IsActive: &no}).ExpectStatus(t, http.StatusOK)
	mod.Do("DELETE", "/api/admin/users/"+annUser.ID, nil).ExpectStatus(t, http.StatusNoContent)
	root.Do("DELETE", "/api/admin/users/"+modUser.ID, nil).ExpectStatus(t, http.StatusNoContent)

	var audit shared.AuditResponse
	root.Do("GET", "/api/admin/events?staff_actions=true", nil).Decode(t, &audit)
	var got []string
	for _, e := range audit.Events {
		got = append(got, string(e.Type)+" "+e.UserEmail+" by "+e.ActorEmail)
		if e.ActorID == modUser.ID || e.IP != "" && e.ActorEmail == "" {
			t.Errorf("the deleted staff member outlives their account: %+v", e)
		}
	}
	want := []string{
		"account_deleted  by root@example.com", // mod
		"account_deleted  by ",                 // ann, by mod
		"account_deactivated bob@example.com by ",
		"name_changed bob@example.com by ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit of admin actions =\n%q,\nwant\n%q", got, want)
	}
}
