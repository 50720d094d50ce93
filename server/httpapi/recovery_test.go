package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/mail/mailtest"
	"github.com/authkit/authkit/shared"
)

const mailWait = 10 * time.Second

func TestPasswordReset_FullFlowOverSMTP(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newTestServer(t, withMail(t, smtp.URL()))
	laptop := ts.browser()
	laptop.register("ann@example.com", "Ann")
	smtp.Wait(t, 0, mailWait) // the confirmation mail

	r := ts.browser().do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: " ANN@example.com"})
	r.expectStatus(t, http.StatusAccepted)
	m := smtp.Wait(t, 1, mailWait)
	if m.To[0] != "ann@example.com" || m.Subject() != "Reset your password" || !strings.Contains(m.Part("text/html"), "Reset my password") {
		t.Fatalf("mail to %v, subject %q", m.To, m.Subject())
	}
	link, token := m.Link(t)
	if !strings.HasPrefix(link, "https://app.example.com/reset-password?token=") {
		t.Fatalf("link = %s", link)
	}

	api := ts.apiClient()
	// A weak password is refused without spending the link.
	api.do("POST", "/api/auth/password-reset/confirm", shared.PasswordResetConfirmRequest{Token: token, NewPassword: "ann@example.com"}).
		expectError(t, 400, shared.CodeValidationFailed)
	api.do("POST", "/api/auth/password-reset/confirm", shared.PasswordResetConfirmRequest{Token: token, NewPassword: "a fresh passphrase"}).
		expectStatus(t, http.StatusNoContent)

	laptop.do("GET", "/api/me", nil).expectError(t, 401, shared.CodeNotAuthenticated) // every session ended
	ts.browser().login("ann@example.com", testPassword).expectError(t, 401, shared.CodeInvalidCredentials)
	ts.browser().login("ann@example.com", "a fresh passphrase").expectStatus(t, http.StatusOK)
	// Single use.
	api.do("POST", "/api/auth/password-reset/confirm", shared.PasswordResetConfirmRequest{Token: token, NewPassword: "yet another passphrase"}).
		expectError(t, 400, shared.CodeInvalidToken)
}

func TestPasswordReset_TokensExpireAndAreReplacedByNewerOnes(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newTestServer(t, withMail(t, smtp.URL()))
	b := ts.browser()
	b.register("ann@example.com", "Ann")
	smtp.Wait(t, 0, mailWait)
	api := ts.apiClient()
	confirm := func(token string) response {
		return api.do("POST", "/api/auth/password-reset/confirm", shared.PasswordResetConfirmRequest{Token: token, NewPassword: "a fresh passphrase"})
	}
	request := func(n int) string {
		api.do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "ann@example.com"}).expectStatus(t, http.StatusAccepted)
		_, token := smtp.Wait(t, n, mailWait).Link(t)
		return token
	}

	first := request(1)
	second := request(2)
	confirm(first).expectError(t, 400, shared.CodeInvalidToken) // replaced by the newer one

	ts.advance(auth.PasswordResetTTL + time.Second)
	confirm(second).expectError(t, 400, shared.CodeInvalidToken) // expired

	third := request(3)
	b.do("POST", "/api/auth/refresh", nil).expectStatus(t, http.StatusOK) // the clock moved past the access TTL
	b.do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: testPassword, NewPassword: "changed in the meantime"}).
		expectStatus(t, http.StatusNoContent)
	confirm(third).expectError(t, 400, shared.CodeInvalidToken) // the password changed since

	confirm("made-up").expectError(t, 400, shared.CodeInvalidToken)
	api.do("POST", "/api/auth/password-reset/confirm", `{"new_password":"a fresh passphrase"}`).expectError(t, 400, shared.CodeValidationFailed)
}

func TestPasswordReset_AnswersAlikeForUnknownEmails(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newTestServer(t, withMail(t, smtp.URL()))
	ts.browser().register("ann@example.com", "Ann")
	smtp.Wait(t, 0, mailWait)

	timed := func(email string) (response, time.Duration) {
		start := time.Now()
		r := ts.apiClient().do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: email})
		return r, time.Since(start)
	}
	var known, unknown []time.Duration
	for range 4 {
		rk, dk := timed("ann@example.com")
		ru, du := timed("nobody@example.com")
		rk.expectStatus(t, http.StatusAccepted)
		ru.expectStatus(t, http.StatusAccepted)
		if string(rk.body) != string(ru.body) {
			t.Fatalf("bodies differ: %s vs %s", rk.body, ru.body)
		}
		known, unknown = append(known, dk), append(unknown, du)
	}
	// The lookup and the mail happen after the answer, so both answer in
	// about the same (short) time.
	slicesSort(known)
	slicesSort(unknown)
	if mk, mu := known[2], unknown[2]; mk > 20*time.Millisecond+3*mu {
		t.Fatalf("known emails answer in %v, unknown in %v", mk, mu)
	}
	// Only the known address got mail (4 resets + the confirmation).
	time.Sleep(300 * time.Millisecond)
	for _, m := range smtp.Messages() {
		if m.To[0] != "ann@example.com" {
			t.Fatalf("mail sent to %v", m.To)
		}
	}
}

func TestPasswordReset_ThrottledPerEmail(t *testing.T) {
	ts := newTestServer(t)
	api := ts.apiClient()
	for range 5 {
		api.do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "ann@example.com"}).expectStatus(t, http.StatusAccepted)
	}
	r := api.do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "ann@example.com"})
	r.expectError(t, 429, shared.CodeRateLimited)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	api.do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "bob@example.com"}).expectStatus(t, http.StatusAccepted)
	api.do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "not an email"}).expectError(t, 400, shared.CodeValidationFailed)
}

func TestPasswordReset_MailIsRetriedWhileTheSMTPServerIsDown(t *testing.T) {
	down := mailtest.Start(t)
	addr := down.Addr
	down.Close() // the server is down when the request comes
	ts := newTestServer(t, withMail(t, "smtp://"+mailtest.Username+":"+mailtest.Password+"@"+addr))
	ts.browser().register("ann@example.com", "Ann")
	ts.apiClient().do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "ann@example.com"}).
		expectStatus(t, http.StatusAccepted)

	time.Sleep(500 * time.Millisecond)
	up := mailtest.StartOn(t, addr) // back on the same port
	up.Wait(t, 1, mailWait)
	time.Sleep(2 * time.Second) // any duplicate would arrive by now
	subjects := map[string]int{}
	for _, m := range up.Messages() {
		subjects[m.Subject()]++
	}
	if subjects["Reset your password"] != 1 || subjects["Confirm your email address"] != 1 {
		t.Fatalf("received %v; want each mail exactly once", subjects)
	}
}

func TestVerifyEmail(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newTestServer(t, withMail(t, smtp.URL()))
	b := ts.browser()
	u := b.register("ann@example.com", "Ann")
	if u.EmailVerified {
		t.Fatal("verified at registration")
	}
	m := smtp.Wait(t, 0, mailWait)
	link, token := m.Link(t)
	if m.Subject() != "Confirm your email address" || !strings.HasPrefix(link, "https://app.example.com/verify-email?token=") {
		t.Fatalf("mail %q link %s", m.Subject(), link)
	}

	// Resending makes a new link and retires the first.
	b.do("POST", "/api/me/verify-email/resend", nil).expectStatus(t, http.StatusAccepted)
	_, newer := smtp.Wait(t, 1, mailWait).Link(t)
	ts.apiClient().do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: token}).expectError(t, 400, shared.CodeInvalidToken)

	r := ts.apiClient().do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: newer})
	r.expectStatus(t, http.StatusOK)
	var body shared.UserResponse
	r.decode(t, &body)
	if !body.User.EmailVerified {
		t.Fatal("not verified")
	}
	var me shared.UserResponse
	b.do("GET", "/api/me", nil).decode(t, &me)
	if !me.User.EmailVerified {
		t.Fatal("/api/me does not show the confirmation")
	}
	ts.apiClient().do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: newer}).expectError(t, 400, shared.CodeInvalidToken)
	// Once confirmed, resending sends nothing.
	b.do("POST", "/api/me/verify-email/resend", nil).expectStatus(t, http.StatusAccepted)
	time.Sleep(300 * time.Millisecond)
	if n := len(smtp.Messages()); n != 2 {
		t.Fatalf("%d mails", n)
	}
}

func TestVerifyEmail_LinksExpireAfter24Hours(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newTestServer(t, withMail(t, smtp.URL()))
	ts.browser().register("ann@example.com", "Ann")
	_, token := smtp.Wait(t, 0, mailWait).Link(t)
	ts.advance(auth.VerifyEmailTTL + time.Second)
	ts.apiClient().do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: token}).expectError(t, 400, shared.CodeInvalidToken)
}

func TestVerifyEmail_ResendIsThrottled(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser()
	b.register("ann@example.com", "Ann")
	for range 10 {
		b.do("POST", "/api/me/verify-email/resend", nil).expectStatus(t, http.StatusAccepted)
	}
	b.do("POST", "/api/me/verify-email/resend", nil).expectError(t, 429, shared.CodeRateLimited)
}

func TestRequireVerifiedEmail(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newTestServer(t, withMail(t, smtp.URL()), withConfig(func(c *cfgT) { c.RequireVerifiedEmail = true }))
	b := ts.browser()
	b.register("ann@example.com", "Ann") // unverified users can log in…
	b.do("GET", "/api/me", nil).expectStatus(t, http.StatusOK)
	// …but reach nothing else.
	b.do("GET", "/api/me/sessions", nil).expectError(t, 403, shared.CodeEmailUnverified)
	b.do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: testPassword, NewPassword: "another passphrase"}).
		expectError(t, 403, shared.CodeEmailUnverified)
	b.do("POST", "/api/me/verify-email/resend", nil).expectStatus(t, http.StatusAccepted)

	_, token := smtp.Wait(t, 1, mailWait).Link(t)
	ts.apiClient().do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: token}).expectStatus(t, http.StatusOK)
	b.do("GET", "/api/me/sessions", nil).expectStatus(t, http.StatusOK)
}
