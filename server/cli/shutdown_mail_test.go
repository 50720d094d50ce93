package cli

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/server/mail/mailtest"
)

// TestServe_MailQueuedAtShutdownIsSent: a stop signal that comes while
// mail waits on a slow SMTP server does not lose it: the delivery under
// way finishes, and the mails still queued are sent before the process
// ends.
func TestServe_MailQueuedAtShutdownIsSent(t *testing.T) {
	smtp := mailtest.Start(t)
	gate := newSMTPGate(t, smtp.Addr)
	base, stop, logs := serveWith(t, serveOptions{env: map[string]string{
		"AUTHKIT_DB":       filepath.Join(t.TempDir(), "authkit.db"),
		"AUTHKIT_SMTP_URL": "smtp://" + mailtest.Username + ":" + mailtest.Password + "@" + gate.addr,
	}})
	// Each registration queues its confirmation mail before it answers.
	for _, name := range []string{"ann", "bob", "cat"} {
		postJSON(t, base, "", "/api/auth/register",
			map[string]string{"email": name + "@example.com", "password": "correct horse battery", "name": name}, 201)
	}
	select {
	case <-gate.held: // the first mail is on its way, the others wait
	case <-time.After(30 * time.Second):
		t.Fatal("no mail was sent")
	}

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	for !strings.Contains(logs.String(), `"shutting down"`) {
		select {
		case err := <-stopped:
			t.Fatalf("serve stopped at once (%v):\n%s", err, logs.String())
		case <-time.After(time.Millisecond):
		}
	}
	gate.Open()
	if err := <-stopped; err != nil {
		t.Fatalf("serve returned %v", err)
	}
	var got []string
	for _, m := range smtp.Messages() {
		got = append(got, m.To...)
	}
	if len(got) != 3 {
		t.Errorf("the SMTP server got mail for %v, want ann, bob and cat", got)
	}
	if strings.Contains(logs.String(), "lost") {
		t.Errorf("the log says mail was lost:\n%s", logs.String())
	}
}

// smtpGate stands between the server and an SMTP server, and holds each
// connection until it is opened: an SMTP server slow to answer.
type smtpGate struct {
	addr     string
	held     chan struct{} // one value per connection held
	open     chan struct{}
	openOnce sync.Once
}

func newSMTPGate(t *testing.T, target string) *smtpGate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &smtpGate{addr: ln.Addr().String(), held: make(chan struct{}, 100), open: make(chan struct{})}
	t.Cleanup(func() { ln.Close(); g.Open() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go g.relay(c, target)
		}
	}()
	return g
}

// Open lets the connections held, and those to come, through.
func (g *smtpGate) Open() { g.openOnce.Do(func() { close(g.open) }) }

func (g *smtpGate) relay(c net.Conn, target string) {
	defer c.Close()
	g.held <- struct{}{}
	<-g.open
	up, err := net.Dial("tcp", target)
	if err != nil {
		fmt.Println("smtp gate:", err)
		return
	}
	defer up.Close()
	go io.Copy(up, c)
	io.Copy(c, up)
}
