package account_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/mail/mailtest"
	"github.com/authkit/authkit/shared"
)

func TestEmailChange_FullFlowOverSMTP(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newServer(t, apitest.WithMail(smtp.URL()))
	laptop := ts.Browser()
	laptop.Register("ann@example.com", "Ann")
	laptop.ConfirmEmail() // the notice names the new address only to a confirmed one
	ts.Browser().Register("taken@example.com", "Taken")
	phone := ts.Browser()
	phone.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)

	change := func(c *apitest.Client, email, password string) apitest.Response {
		return c.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: email, CurrentPassword: password})
	}
	cases := []struct {
		name, email, password string
		status                int
		code                  shared.Code
		field                 string
	}{
		{"not an address", "not-an-email", apitest.Password, 400, shared.CodeValidationFailed, "new_email"},
		{"the same address", " ANN@example.com", apitest.Password, 400, shared.CodeValidationFailed, "new_email"},
		{"wrong password", "new@example.com", "not the password", 400, shared.CodeWrongPassword, "current_password"},
		{"taken", "taken@example.com", apitest.Password, 409, shared.CodeEmailTaken, "new_email"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := change(laptop, c.email, c.password).ExpectError(t, c.status, c.code)
			if e.Fields[c.field] == "" {
				t.Errorf("no message on %s: %+v", c.field, e)
			}
		})
	}
	ts.TokenClient().Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "x@example.com", CurrentPassword: "x"}).
		ExpectError(t, 401, shared.CodeNotAuthenticated)

	r := change(laptop, " New@Example.com", apitest.Password)
	r.ExpectStatus(t, http.StatusAccepted)
	confirm := waitForSubject(t, smtp, "Confirm your new email address")
	link, token := confirm.Link(t)
	if confirm.To[0] != "new@example.com" || !strings.HasPrefix(link, "https://app.example.com/confirm-email?token=") {
		t.Fatalf("mail to %v with %s", confirm.To, link)
	}
	notice := waitForSubject(t, smtp, "Your email is being changed")
	if notice.To[0] != "ann@example.com" || !strings.Contains(notice.Part("text/plain"), "new@example.com") ||
		!strings.Contains(notice.Part("text/plain"), "If this wasn't you") ||
		!strings.Contains(notice.Part("text/plain"), "https://app.example.com/forgot-password") {
		t.Fatalf("notice to %v:\n%s", notice.To, notice.Part("text/plain"))
	}

	// Nothing changes until the link is used.
	var me shared.UserResponse
	laptop.Do("GET", "/api/me", nil).Decode(t, &me)
	if me.User.Email != "ann@example.com" {
		t.Fatalf("email changed before confirmation: %s", me.User.Email)
	}
	ts.Browser().Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)

	// Opened in the laptop's browser, even once its access token has
	// expired (its refresh cookie names the session): the laptop stays
	// signed in, the phone (and the session just made) do not.
	ts.Advance(10 * time.Minute)
	r = laptop.Do("POST", "/api/auth/confirm-email-change", shared.ConfirmEmailChangeRequest{Token: token})
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &me)
	if me.User.Email != "new@example.com" || !me.User.EmailVerified {
		t.Fatalf("user = %+v", me.User)
	}
	laptop.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	laptop.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)
	phone.Do("POST", "/api/auth/refresh", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
	var sessions shared.SessionsResponse
	laptop.Do("GET", "/api/me/sessions", nil).Decode(t, &sessions)
	if len(sessions.Sessions) != 1 {
		t.Errorf("%d sessions left, want the laptop's", len(sessions.Sessions))
	}
	ts.Browser().Login("ann@example.com", apitest.Password).ExpectError(t, 401, shared.CodeInvalidCredentials)
	ts.Browser().Login("new@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	ts.TokenClient().Do("POST", "/api/auth/confirm-email-change", shared.ConfirmEmailChangeRequest{Token: token}).
		ExpectError(t, 400, shared.CodeInvalidToken)

	got := apitest.EventTypes(laptop.Activity(""))
	if !slices.Contains(got, shared.EventEmailChangeRequested) || !slices.Contains(got, shared.EventEmailChanged) {
		t.Errorf("activity = %v", got)
	}
	events := laptop.Activity("?limit=2")
	if e := events[1]; e.Type != shared.EventEmailChanged || e.Detail[shared.DetailFrom] != "ann@example.com" || e.Detail[shared.DetailEmail] != "new@example.com" {
		t.Errorf("email_changed = %+v", e)
	}
}

// An address never confirmed may be a typo that reached a stranger: the
// notice still warns whoever reads it, but says neither where the account
// is moving nor from which device and network the change was asked.
func TestEmailChange_TheNoticeToAnUnconfirmedAddressNamesNoDetails(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newServer(t, apitest.WithMail(smtp.URL()))
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	firefox := "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
	b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "new@example.com", CurrentPassword: apitest.Password}, "User-Agent", firefox).
		ExpectStatus(t, http.StatusAccepted)
	waitForSubject(t, smtp, "Confirm your new email address")
	notice := waitForSubject(t, smtp, "Your email is being changed")
	if notice.To[0] != "ann@example.com" {
		t.Fatalf("notice to %v", notice.To)
	}
	for _, part := range []string{"text/plain", "text/html"} {
		body := notice.Part(part)
		for _, detail := range []string{"new@example.com", "127.0.0.1", "Firefox", "Windows"} {
			if strings.Contains(body, detail) {
				t.Errorf("the %s notice to an unconfirmed address names %q:\n%s", part, detail, body)
			}
		}
		if !strings.Contains(body, "https://app.example.com/profile#security") || !strings.Contains(body, "sign in and change it") ||
			strings.Contains(body, "reset it now") {
			t.Errorf("the %s notice does not say where and how to act:\n%s", part, body)
		}
	}
}

func TestEmailChange_LinksOfANewerRequestOrAResetVoidTheOld(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newServer(t, apitest.WithMail(smtp.URL()))
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	request := func(email string) string {
		t.Helper()
		before := mailsWithSubject(smtp, "Confirm your new email address")
		b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: email, CurrentPassword: apitest.Password}).ExpectStatus(t, http.StatusAccepted)
		eventually(t, "the link", func() bool { return mailsWithSubject(smtp, "Confirm your new email address") > before })
		var token string
		for _, m := range smtp.Messages() {
			if m.Subject() == "Confirm your new email address" && m.To[0] == email {
				_, token = m.Link(t)
			}
		}
		return token
	}
	confirm := func(token string) apitest.Response {
		return ts.TokenClient().Do("POST", "/api/auth/confirm-email-change", shared.ConfirmEmailChangeRequest{Token: token})
	}
	first := request("one@example.com")
	second := request("two@example.com")
	confirm(first).ExpectError(t, 400, shared.CodeInvalidToken)

	// The address was taken meanwhile: refused, without spending the link.
	other := ts.Browser()
	other.Register("two@example.com", "Other")
	confirm(second).ExpectError(t, 409, shared.CodeEmailTaken)
	other.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: apitest.Password}).ExpectStatus(t, http.StatusNoContent)

	// A password change (what the notice tells a victim to do) voids
	// every pending link.
	third := request("three@example.com")
	b.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "a brand new passphrase"}).
		ExpectStatus(t, http.StatusNoContent)
	confirm(third).ExpectError(t, 400, shared.CodeInvalidToken)
	confirm(second).ExpectError(t, 400, shared.CodeInvalidToken)

	// Without a session of the account, every session ends.
	fourth := ""
	{
		b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "four@example.com", CurrentPassword: "a brand new passphrase"}).ExpectStatus(t, http.StatusAccepted)
		eventually(t, "the fourth link", func() bool {
			for _, m := range smtp.Messages() {
				if m.To[0] == "four@example.com" {
					_, fourth = m.Link(t)
					return true
				}
			}
			return false
		})
	}
	confirm(fourth).ExpectStatus(t, http.StatusOK)
	b.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
}

func TestEmailChange_RequestsAreThrottledPerAccount(t *testing.T) {
	ts := newServer(t)
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	for i := range 10 {
		b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: fmt.Sprintf("new%d@example.com", i), CurrentPassword: apitest.Password}).
			ExpectStatus(t, http.StatusAccepted)
	}
	r := b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "new@example.com", CurrentPassword: apitest.Password})
	r.ExpectError(t, 429, shared.CodeRateLimited)
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

// The password a deletion or an email change asks for is guessed no
// faster than at login: both spend the account's guess throttle.
func TestReauthentication_WrongPasswordsSpendTheAccountsGuesses(t *testing.T) {
	ts := newServer(t, apitest.WithConfig(func(c *auth.Config) { c.LoginThrottle = 3 }))
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	b.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: "guess one"}).ExpectError(t, 400, shared.CodeWrongPassword)
	b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "x@example.com", CurrentPassword: "guess two"}).
		ExpectError(t, 400, shared.CodeWrongPassword)
	b.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: "guess three"}).ExpectError(t, 400, shared.CodeWrongPassword)
	b.Do("DELETE", "/api/me", shared.DeleteAccountRequest{CurrentPassword: apitest.Password}).ExpectError(t, 429, shared.CodeRateLimited)
	b.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)
}

// An API client may send the address as typed: the answer names the
// address the link went to, normalised as the account will hold it.
func TestEmailChange_TheAnswerNamesTheNormalisedAddress(t *testing.T) {
	ts := newServer(t)
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	r := b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "  New@Example.COM ", CurrentPassword: apitest.Password})
	r.ExpectStatus(t, http.StatusAccepted)
	var accepted shared.Accepted
	r.Decode(t, &accepted)
	if !strings.Contains(accepted.Message, " new@example.com.") {
		t.Errorf("message = %q", accepted.Message)
	}
	if token := ts.MailToken("new@example.com", "Confirm your new email address"); token == "" {
		t.Error("no link to the normalised address")
	}
}

// TestEmailChange_OneAddressGetsFewLinksWhateverTheAccounts: every
// request mails a link to the address asked for, and accounts are cheap
// to make, so a limit per account alone lets a few accounts bury anyone's
// mailbox in links. Requests to one address are limited too (5 a day),
// whichever accounts send them, and the refusal is the documented 429.
func TestEmailChange_OneAddressGetsFewLinksWhateverTheAccounts(t *testing.T) {
	ts := newServer(t, apitest.WithConfig(func(c *auth.Config) { c.RegisterThrottle = 0 }))
	sent, refused := 0, 0
	for i := range 3 {
		b := ts.Browser()
		b.Register(fmt.Sprintf("mallory%d@example.com", i), "Mallory")
		for range 4 {
			r := b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "victim@example.com", CurrentPassword: apitest.Password})
			switch r.Status {
			case http.StatusAccepted:
				sent++
			case http.StatusTooManyRequests:
				r.ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)
				if r.Header.Get("Retry-After") == "" {
					t.Error("no Retry-After")
				}
				refused++
			default:
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
		}
		// Another address is not held up by the victim's limit.
		b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: fmt.Sprintf("mine%d@example.com", i), CurrentPassword: apitest.Password}).
			ExpectStatus(t, http.StatusAccepted)
	}
	mails := 0
	for _, s := range ts.MailSubjects("victim@example.com") {
		if strings.Contains(s, "Confirm your new email address") {
			mails++
		}
	}
	if sent != 5 || refused != 7 || mails != 5 {
		t.Errorf("12 requests to one address from 3 accounts: %d accepted, %d refused, %d links mailed; want 5, 7, 5", sent, refused, mails)
	}
	ts.Advance(24 * time.Hour)
	b := ts.Browser()
	b.Register("mallory9@example.com", "Mallory")
	b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "victim@example.com", CurrentPassword: apitest.Password}).
		ExpectStatus(t, http.StatusAccepted)
}
