package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/mail/mailtest"
	"github.com/authkit/authkit/shared"
)

const mailWait = 10 * time.Second

func TestPasswordReset_FullFlowOverSMTP(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := apitest.NewServer(t, apitest.WithMail(smtp.URL()))
	laptop := ts.Browser()
	laptop.Register("ann@example.com", "Ann")
	smtp.Wait(t, 0, mailWait) // the confirmation mail

	r := ts.Browser().Do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: " ANN@example.com"})
	r.ExpectStatus(t, http.StatusAccepted)
	m := smtp.Wait(t, 1, mailWait)
	if m.To[0] != "ann@example.com" || m.Subject() != "Reset your password" || !strings.Contains(m.Part("text/html"), "Reset my password") {
		t.Fatalf("mail to %v, subject %q", m.To, m.Subject())
	}
	link, token := m.Link(t)
	if !strings.HasPrefix(link, "https://app.example.com/reset-password?token=") {
		t.Fatalf("link = %s", link)
	}

	api := ts.TokenClient()
	// A weak password is refused without spending the link.
	api.Do("POST", "/api/auth/password-reset/confirm", shared.PasswordResetConfirmRequest{Token: token, NewPassword: "ann@example.com"}).
		ExpectError(t, 400, shared.CodeValidationFailed)
	e := api.Do("POST", "/api/auth/password-reset/confirm", shared.PasswordResetConfirmRequest{Token: token, NewPassword: "princess1"}).
		ExpectError(t, 400, shared.CodeValidationFailed)
	if e.Fields["new_password"] != shared.CommonPasswordMessage {
		t.Fatalf("fields = %v, want new_password: %q", e.Fields, shared.CommonPasswordMessage)
	}
	api.Do("POST", "/api/auth/password-reset/confirm", shared.PasswordResetConfirmRequest{Token: token, NewPassword: "a fresh passphrase"}).
		ExpectStatus(t, http.StatusNoContent)

	laptop.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeNotAuthenticated) // every session ended
	ts.Browser().Login("ann@example.com", apitest.Password).ExpectError(t, 401, shared.CodeInvalidCredentials)
	ts.Browser().Login("ann@example.com", "a fresh passphrase").ExpectStatus(t, http.StatusOK)
	// Single use.
	api.Do("POST", "/api/auth/password-reset/confirm", shared.PasswordResetConfirmRequest{Token: token, NewPassword: "yet another passphrase"}).
		ExpectError(t, 400, shared.CodeInvalidToken)
}

func TestPasswordReset_TokensExpireAndAreReplacedByNewerOnes(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := apitest.NewServer(t, apitest.WithMail(smtp.URL()))
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	smtp.Wait(t, 0, mailWait)
	api := ts.TokenClient()
	confirm := func(token string) apitest.Response {
		return api.Do("POST", "/api/auth/password-reset/confirm", shared.PasswordResetConfirmRequest{Token: token, NewPassword: "a fresh passphrase"})
	}
	request := func(n int) string {
		api.Do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "ann@example.com"}).ExpectStatus(t, http.StatusAccepted)
		_, token := smtp.Wait(t, n, mailWait).Link(t)
		return token
	}

	first := request(1)
	second := request(2)
	confirm(first).ExpectError(t, 400, shared.CodeInvalidToken) // replaced by the newer one

	ts.Advance(auth.PasswordResetTTL + time.Second)
	confirm(second).ExpectError(t, 400, shared.CodeInvalidToken) // expired

	third := request(3)
	b.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)                                                    // the clock moved past the access TTL
	b.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password}).ExpectStatus(t, http.StatusNoContent) // and past the re-auth window
	b.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "changed in the meantime"}).
		ExpectStatus(t, http.StatusNoContent)
	confirm(third).ExpectError(t, 400, shared.CodeInvalidToken) // the password changed since

	confirm("made-up").ExpectError(t, 400, shared.CodeInvalidToken)
	api.Do("POST", "/api/auth/password-reset/confirm", `{"new_password":"a fresh passphrase"}`).ExpectError(t, 400, shared.CodeValidationFailed)
}

// TestPasswordReset_AnswersAlikeForUnknownEmails is in package auth's
// tests: it holds the reset's account lookup with a hook of that package.

func TestPasswordReset_ThrottledPerEmail(t *testing.T) {
	ts := apitest.NewServer(t)
	api := ts.TokenClient()
	for range 5 {
		api.Do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "ann@example.com"}).ExpectStatus(t, http.StatusAccepted)
	}
	r := api.Do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "ann@example.com"})
	r.ExpectError(t, 429, shared.CodeRateLimited)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	api.Do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "bob@example.com"}).ExpectStatus(t, http.StatusAccepted)
	api.Do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "not an email"}).ExpectError(t, 400, shared.CodeValidationFailed)
}

func TestPasswordReset_MailIsRetriedWhileTheSMTPServerIsDown(t *testing.T) {
	down := mailtest.Start(t)
	addr := down.Addr
	down.Close() // the server is down when the request comes
	ts := apitest.NewServer(t, apitest.WithMail("smtp://"+mailtest.Username+":"+mailtest.Password+"@"+addr))
	ts.Browser().Register("ann@example.com", "Ann")
	ts.TokenClient().Do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "ann@example.com"}).
		ExpectStatus(t, http.StatusAccepted)

	// Both mails have failed once before the server comes back.
	q := ts.MailQueue
	waitUntil(t, "both mails failed once", func() bool { return q.Stats().Failures >= 2 })
	up := mailtest.StartOn(t, addr) // back on the same port
	// Every mail has left the queue for good (no request has work left
	// in the background, nothing waits for a retry): any duplicate has
	// arrived by now.
	waitForBackground(t, ts)
	waitUntil(t, "both mails delivered", func() bool { s := q.Stats(); return s.Sent >= 2 && s.Depth == 0 })
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
	ts := apitest.NewServer(t, apitest.WithMail(smtp.URL()))
	b := ts.Browser()
	u := b.Register("ann@example.com", "Ann")
	if u.EmailVerified {
		t.Fatal("verified at registration")
	}
	m := smtp.Wait(t, 0, mailWait)
	link, token := m.Link(t)
	if m.Subject() != "Confirm your email address" || !strings.HasPrefix(link, "https://app.example.com/verify-email?token=") {
		t.Fatalf("mail %q link %s", m.Subject(), link)
	}

	// Resending makes a new link and retires the first.
	b.Do("POST", "/api/me/verify-email/resend", nil).ExpectStatus(t, http.StatusAccepted)
	_, newer := smtp.Wait(t, 1, mailWait).Link(t)
	ts.TokenClient().Do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: token}).ExpectError(t, 400, shared.CodeInvalidToken)

	r := ts.TokenClient().Do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: newer})
	r.ExpectStatus(t, http.StatusOK)
	var body shared.UserResponse
	r.Decode(t, &body)
	if !body.User.EmailVerified {
		t.Fatal("not verified")
	}
	var me shared.UserResponse
	b.Do("GET", "/api/me", nil).Decode(t, &me)
	if !me.User.EmailVerified {
		t.Fatal("/api/me does not show the confirmation")
	}
	ts.TokenClient().Do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: newer}).ExpectError(t, 400, shared.CodeInvalidToken)
	// Once confirmed, resending sends nothing.
	b.Do("POST", "/api/me/verify-email/resend", nil).ExpectStatus(t, http.StatusAccepted)
	waitForBackground(t, ts)
	if got := ts.MailSubjects("ann@example.com"); len(got) != 2 {
		t.Fatalf("mails sent: %q", got)
	}
}

func TestVerifyEmail_LinksExpireAfter24Hours(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := apitest.NewServer(t, apitest.WithMail(smtp.URL()))
	ts.Browser().Register("ann@example.com", "Ann")
	_, token := smtp.Wait(t, 0, mailWait).Link(t)
	ts.Advance(auth.VerifyEmailTTL + time.Second)
	ts.TokenClient().Do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: token}).ExpectError(t, 400, shared.CodeInvalidToken)
}

func TestVerifyEmail_ResendIsThrottled(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	for range 10 {
		b.Do("POST", "/api/me/verify-email/resend", nil).ExpectStatus(t, http.StatusAccepted)
	}
	b.Do("POST", "/api/me/verify-email/resend", nil).ExpectError(t, 429, shared.CodeRateLimited)
}

func TestRequireVerifiedEmail(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := apitest.NewServer(t, apitest.WithMail(smtp.URL()), apitest.WithConfig(func(c *auth.Config) { c.RequireVerifiedEmail = true }))
	b := ts.Browser()
	b.Register("ann@example.com", "Ann") // unverified users can log in…
	b.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)
	// …but reach nothing else.
	b.Do("GET", "/api/me/sessions", nil).ExpectError(t, 403, shared.CodeEmailUnverified)
	b.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "another passphrase"}).
		ExpectError(t, 403, shared.CodeEmailUnverified)
	b.Do("POST", "/api/me/verify-email/resend", nil).ExpectStatus(t, http.StatusAccepted)

	_, token := smtp.Wait(t, 1, mailWait).Link(t)
	ts.TokenClient().Do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: token}).ExpectStatus(t, http.StatusOK)
	b.Do("GET", "/api/me/sessions", nil).ExpectStatus(t, http.StatusOK)
}

// waitForBackground waits until the work requests left in the background
// (such as a reset's lookup and mail) has been done and its mail queued, as
// ts's MailSubjects then shows; after it, ts leaves no more such work.
func waitForBackground(t *testing.T, ts *apitest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), mailWait) // a bound on a hang
	defer cancel()
	if err := ts.Auth.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

// waitUntil polls cond; the deadline only bounds a hang.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(mailWait); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}
