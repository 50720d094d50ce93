package account_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/mail/mailtest"
	"github.com/authkit/authkit/shared"
)

// Deleting the account and changing its email take the password or,
// without one, a recent session (a login or POST /api/auth/reauth within
// --reauth-window): how an account a sign-in provider made, which has no
// password, does them. Bearer clients follow the same rule.

func TestDeleteAccount_WithoutAPasswordFromARecentSession(t *testing.T) {
	ts := newServer(t)
	b, u := ts.signInWithProvider(t, "pat@example.com", "Pat Provider")
	sessions, _ := ts.Store.UserSessions(t.Context(), u.ID)
	needles := []string{u.ID, "pat@example.com", "Pat Provider", "sub-pat@example.com", sessions[0].ID}
	if tables := tablesMentioning(t, ts.Store, needles...); !strings.Contains(strings.Join(tables, " "), "user_identities") {
		t.Fatalf("the provider's account left no identity to test with: %v", tables)
	}

	// A password, when given, is still checked: this account has none.
	e := b.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: "a guess"}).ExpectError(t, 400, shared.CodeWrongPassword)
	if e.Fields["current_password"] == "" {
		t.Errorf("fields = %v", e.Fields)
	}

	b.Do("DELETE", "/api/me", shared.DeleteAccountRequest{}).ExpectStatus(t, http.StatusNoContent)
	if left := rowsMentioning(t, ts.Store, needles...); len(left) > 0 {
		t.Errorf("rows of the deleted account remain:\n%s", strings.Join(left, "\n"))
	}
	b.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
}

func TestDeleteAccount_WithoutAPasswordAStaleSessionMustReauthenticate(t *testing.T) {
	ts := newServer(t)
	b, u := ts.signInWithProvider(t, "pat@example.com", "Pat Provider")
	secret, _ := ts.enableTOTP(t, b)
	ts.staleSession(t, b)

	b.Do("DELETE", "/api/me", shared.DeleteAccountRequest{}).ExpectError(t, http.StatusForbidden, shared.CodeReauthRequired)
	if _, err := ts.Store.UserByID(t.Context(), u.ID); err != nil {
		t.Fatalf("the account is gone: %v", err)
	}
	b.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)

	b.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Code: ts.totpCode(t, secret)}).ExpectStatus(t, http.StatusNoContent)
	b.Do("DELETE", "/api/me", shared.DeleteAccountRequest{}).ExpectStatus(t, http.StatusNoContent)
	if left := rowsMentioning(t, ts.Store, u.ID, "pat@example.com"); len(left) > 0 {
		t.Errorf("rows of the deleted account remain:\n%s", strings.Join(left, "\n"))
	}
}

// TestDeleteAccount_BearerClientsFollowTheSameRule: the password
// re-authenticates whatever the session's age; without it, the session
// must be recent.
func TestDeleteAccount_BearerClientsFollowTheSameRule(t *testing.T) {
	ts := newServer(t)
	ts.Browser().Register("ann@example.com", "Ann")
	api := ts.TokenClient()
	pair := ts.Tokens("ann@example.com", apitest.Password)
	ts.Advance(11 * time.Minute)
	var refreshed shared.TokenPair
	api.Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).Decode(t, &refreshed)
	bearer := apitest.Bearer(refreshed.Access)

	api.Do("DELETE", "/api/me", shared.DeleteAccountRequest{}, bearer...).ExpectError(t, http.StatusForbidden, shared.CodeReauthRequired)
	api.Do("DELETE", "/api/me", nil, bearer...).ExpectError(t, http.StatusForbidden, shared.CodeReauthRequired)
	api.Do("DELETE", "/api/me", "", bearer...).ExpectError(t, http.StatusBadRequest, shared.CodeInvalidJSON)
	api.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: "not it"}, bearer...).ExpectError(t, 400, shared.CodeWrongPassword)
	api.Do("GET", "/api/me", nil, bearer...).ExpectStatus(t, http.StatusOK)
	api.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: apitest.Password}, bearer...).ExpectStatus(t, http.StatusNoContent)
	api.Do("GET", "/api/me", nil, bearer...).ExpectError(t, 401, shared.CodeNotAuthenticated)

	// A fresh login is recent: a client may then send no body at all.
	ts.Browser().Register("bo@example.com", "Bo")
	fresh := ts.Tokens("bo@example.com", apitest.Password)
	api.Do("DELETE", "/api/me", nil, apitest.Bearer(fresh.Access)...).ExpectStatus(t, http.StatusNoContent)
	api.Do("GET", "/api/me", nil, apitest.Bearer(fresh.Access)...).ExpectError(t, 401, shared.CodeNotAuthenticated)
}

func TestEmailChange_WithoutAPasswordFromARecentSession(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newServer(t, apitest.WithMail(smtp.URL()))
	b, _ := ts.signInWithProvider(t, "pat@example.com", "Pat Provider")
	secret, _ := ts.enableTOTP(t, b)

	// Other fields are still checked.
	b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "not-an-email"}).ExpectError(t, 400, shared.CodeValidationFailed)

	b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "pat.new@example.com"}).ExpectStatus(t, http.StatusAccepted)
	if m := waitForSubject(t, smtp, "Confirm your new email address"); m.To[0] != "pat.new@example.com" {
		t.Fatalf("link mailed to %v", m.To)
	}

	ts.staleSession(t, b)
	b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "pat.other@example.com"}).
		ExpectError(t, http.StatusForbidden, shared.CodeReauthRequired)
	b.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Code: ts.totpCode(t, secret)}).ExpectStatus(t, http.StatusNoContent)
	b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "pat.other@example.com"}).ExpectStatus(t, http.StatusAccepted)
	eventually(t, "the second link", func() bool { return mailsWithSubject(smtp, "Confirm your new email address") == 2 })
	for _, m := range smtp.Messages() {
		if m.Subject() == "Confirm your new email address" && m.To[0] != "pat.new@example.com" && m.To[0] != "pat.other@example.com" {
			t.Errorf("a link went to %v", m.To)
		}
	}

	// Bearer clients: a stale token's session needs the password or a
	// re-authentication too.
	ts.Browser().Register("ann@example.com", "Ann")
	api := ts.TokenClient()
	pair := ts.Tokens("ann@example.com", apitest.Password)
	ts.Advance(11 * time.Minute)
	var refreshed shared.TokenPair
	api.Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).Decode(t, &refreshed)
	bearer := apitest.Bearer(refreshed.Access)
	api.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "ann.new@example.com"}, bearer...).
		ExpectError(t, http.StatusForbidden, shared.CodeReauthRequired)
	api.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password}, bearer...).ExpectStatus(t, http.StatusNoContent)
	api.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "ann.new@example.com"}, bearer...).ExpectStatus(t, http.StatusAccepted)
}
