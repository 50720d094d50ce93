package account_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/mail/mailtest"
	"github.com/authkit/authkit/shared"
)

func TestExport_HoldsTheAccountAndEveryModulesData(t *testing.T) {
	ts := newServer(t)
	b := ts.Browser()
	ann := b.Register("ann@example.com", "Ann")
	b.Do("POST", "/api/bookmarks", map[string]string{"url": "https://go.dev/"}).ExpectStatus(t, http.StatusNoContent)
	b.Do("POST", "/api/bookmarks", map[string]string{"url": "https://pkg.go.dev/"}).ExpectStatus(t, http.StatusNoContent)
	phone := ts.Browser()
	phone.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	phone.Do("POST", "/api/auth/logout", nil).ExpectStatus(t, http.StatusNoContent)
	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob") // none of his
	bob.Do("POST", "/api/bookmarks", map[string]string{"url": "https://bob.example/"}).ExpectStatus(t, http.StatusNoContent)

	r := b.Do("GET", "/api/me/export", nil)
	r.ExpectStatus(t, http.StatusOK)
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="authkit-data-`) || !strings.HasSuffix(cd, `.json"`) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if r.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Errorf("headers = %v", r.Header)
	}
	var export shared.AccountExport
	r.Decode(t, &export)
	if export.Account.ID != ann.ID || export.Account.Email != "ann@example.com" || export.ExportedAt.IsZero() {
		t.Errorf("account = %+v", export.Account)
	}
	if len(export.Sessions) != 2 || !export.Sessions[1].Current || export.Sessions[0].RevokedAt == nil {
		t.Errorf("sessions = %+v (want this one and the phone's, ended)", export.Sessions)
	}
	if len(export.SecurityEvents) != 3 || export.SecurityEvents[2].Type != shared.EventAccountCreated {
		t.Errorf("events = %v", types(export.SecurityEvents))
	}
	var modules struct {
		Bookmarks bookmarkList `json:"bookmarks"`
	}
	raw, _ := json.Marshal(export.Modules)
	if err := json.Unmarshal(raw, &modules); err != nil || len(export.Modules) != 1 {
		t.Fatalf("modules = %s (%v)", raw, err)
	}
	if urls := modules.Bookmarks.URLs; len(urls) != 2 || urls[0] != "https://go.dev/" || urls[1] != "https://pkg.go.dev/" {
		t.Errorf("the module's data = %s", raw)
	}
	if body := string(r.Body); strings.Contains(body, "bob") || strings.Contains(body, "password_hash") {
		t.Errorf("the export holds what is not the caller's: %s", r.Body)
	}
	ts.Browser().Do("GET", "/api/me/export", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
}

func TestAdminEvents_StaffSeeEveryAccountAndTheAuditOfAdminActions(t *testing.T) {
	ts := newServer(t)
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
	bob.Login("bob@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	for _, e := range activity(t, bob, "") {
		if e.Type == shared.EventAccountDeactivated && (e.IP != "" || e.UserAgent != "") {
			t.Errorf("the owner sees the staff member's client: %+v", e)
		}
	}
}

func TestNotices_NewDevicesAndPasswordChangesAreMailed(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newServer(t, apitest.WithMail(smtp.URL()))
	ts.Browser().Register("ann@example.com", "Ann")
	// The device that made the account is known: no notice.
	ts.Browser().Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	firefox := "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
	b := ts.Browser()
	b.Do("POST", "/api/auth/login", shared.LoginRequest{Email: "ann@example.com", Password: apitest.Password}, "User-Agent", firefox).
		ExpectStatus(t, http.StatusOK)
	m := waitForSubject(t, smtp, "New sign-in to your account")
	if text := m.Part("text/plain"); m.To[0] != "ann@example.com" || !strings.Contains(text, "Firefox on Windows, 127.0.0.1") ||
		!strings.Contains(text, "https://app.example.com/profile#sessions") {
		t.Errorf("notice to %v:\n%s", m.To, text)
	}
	b.Do("POST", "/api/auth/login", shared.LoginRequest{Email: "ann@example.com", Password: apitest.Password}, "User-Agent", firefox).
		ExpectStatus(t, http.StatusOK)

	b.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "a brand new passphrase"}, "User-Agent", firefox).
		ExpectStatus(t, http.StatusNoContent)
	m = waitForSubject(t, smtp, "Your password was changed")
	if !strings.Contains(m.Part("text/plain"), "Firefox on Windows, 127.0.0.1") {
		t.Errorf("password notice:\n%s", m.Part("text/plain"))
	}
	if n := mailsWithSubject(smtp, "New sign-in to your account"); n != 1 {
		t.Errorf("%d new sign-in notices, want 1 (the second sign-in was from a known device)", n)
	}
}

func TestNotices_CanBeTurnedOff(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newServer(t, apitest.WithMail(smtp.URL()), apitest.WithConfig(func(c *auth.Config) {
		c.Notices = auth.NoticeSettings{NoNewSignIn: true, NoPasswordChanged: true, NoEmailChange: true}
	}))
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	b.Do("POST", "/api/auth/login", shared.LoginRequest{Email: "ann@example.com", Password: apitest.Password}, "User-Agent", "curl/8.5.0").
		ExpectStatus(t, http.StatusOK)
	b.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "a brand new passphrase"}).
		ExpectStatus(t, http.StatusNoContent)
	b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "new@example.com", CurrentPassword: "a brand new passphrase"}).
		ExpectStatus(t, http.StatusAccepted)
	waitForSubject(t, smtp, "Confirm your new email address") // links are not notices: they still go
	for _, m := range smtp.Messages() {
		if s := m.Subject(); s != "Confirm your email address" && s != "Confirm your new email address" {
			t.Errorf("sent %q although notices are off", s)
		}
	}
}
