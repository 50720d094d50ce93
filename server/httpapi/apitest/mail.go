package apitest

import (
	"net/http"
	"net/url"
	"regexp"
	"sync"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/mail"
	"github.com/authkit/authkit/shared"
)

// mailbox keeps the mail a server sends, so tests can follow its links as
// people do. Without WithMail it replaces the kit's default queue, which
// writes mail to the log.
type mailbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

// Enqueue keeps m; it is the auth.Mailer of the server.
func (b *mailbox) Enqueue(m mail.Message) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, m)
	return true
}

// last returns the latest message to addr with subject, if any.
func (b *mailbox) last(addr, subject string) (mail.Message, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.sent) - 1; i >= 0; i-- {
		if m := b.sent[i]; m.To == addr && m.Subject == subject {
			return m, true
		}
	}
	return mail.Message{}, false
}

// teeMailer keeps every message in the mailbox and passes it on.
type teeMailer struct {
	kept *mailbox
	next auth.Mailer
}

func (t teeMailer) Enqueue(m mail.Message) bool {
	t.kept.Enqueue(m)
	return t.next.Enqueue(m)
}

var tokenLinkRE = regexp.MustCompile(`\?token=([^\s"<>&]+)`)

// ConfirmEmail confirms the address of the account registered as addr as
// its owner would: with the token of the latest confirmation mail sent
// to it (POST /api/auth/verify-email). Adding a credential (a passkey, an
// authenticator app, a provider account) needs a confirmed address.
func (ts *Server) ConfirmEmail(addr string) {
	t := ts.t
	t.Helper()
	m, ok := ts.mail.last(addr, "Confirm your email address")
	if !ok {
		t.Fatalf("no confirmation mail was sent to %s", addr)
	}
	match := tokenLinkRE.FindStringSubmatch(m.Text)
	if match == nil {
		t.Fatalf("no link in the mail to %s:\n%s", addr, m.Text)
	}
	token, err := url.QueryUnescape(match[1])
	if err != nil {
		t.Fatal(err)
	}
	ts.TokenClient().Do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: token}).ExpectStatus(t, http.StatusOK)
}
