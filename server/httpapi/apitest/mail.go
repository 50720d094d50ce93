package apitest

import (
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"

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

// subjects returns the subjects of the mail sent to addr, oldest first.
func (b *mailbox) subjects(addr string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.sent {
		if m.To == addr {
			out = append(out, m.Subject)
		}
	}
	return out
}

// MailSubjects returns the subjects of the mail the server has sent to
// addr, oldest first (with WithMail too: the server's mail is kept as it
// goes out).
func (ts *Server) MailSubjects(addr string) []string { return ts.mail.subjects(addr) }

// MailToken returns the token of the link in the latest mail to addr with
// subject, waiting a while for it: some mail is sent in the background.
func (ts *Server) MailToken(addr, subject string) string {
	t := ts.t
	t.Helper()
	var m mail.Message
	for tries := 0; ; tries++ {
		var ok bool
		if m, ok = ts.mail.last(addr, subject); ok {
			break
		}
		if tries == 200 {
			t.Fatalf("no mail %q to %s; got %q", subject, addr, ts.MailSubjects(addr))
		}
		time.Sleep(50 * time.Millisecond)
	}
	match := tokenLinkRE.FindStringSubmatch(m.Text)
	if match == nil {
		t.Fatalf("no link in the mail %q to %s:\n%s", subject, addr, m.Text)
	}
	token, err := url.QueryUnescape(match[1])
	if err != nil {
		t.Fatal(err)
	}
	return token
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
	ts.t.Helper()
	token := ts.MailToken(addr, "Confirm your email address")
	ts.TokenClient().Do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: token}).ExpectStatus(ts.t, http.StatusOK)
}
