package auth

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/server/mail"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// outbox is a Mailer that keeps what is queued.
type outbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (o *outbox) Enqueue(m mail.Message) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return true
}

func (o *outbox) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.sent)
}

// TestWait_WaitsForTheMailARequestLeftBehind: a reset request answers
// before its link is mailed; at shutdown, Wait waits for that mail to be
// queued (the queue is drained next), and a request after it leaves no
// work behind.
func TestWait_WaitsForTheMailARequestLeftBehind(t *testing.T) {
	ctx := context.Background()
	out := &outbox{}
	svc, err := New(ctx, storetest.Open(t), Config{Mailer: out, Argon2: Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Accounts.Register(ctx, shared.RegisterRequest{Email: "ann@example.com", Password: "correct horse battery", Name: "Ann"}, Client{}); err != nil {
		t.Fatal(err)
	}
	queuedBefore := out.count() // the confirmation mail

	preparing, release := make(chan struct{}), make(chan struct{})
	onChecked(t, func(step string) {
		if step == "reset-mail" {
			close(preparing)
			<-release
		}
	})
	if err := svc.Recovery.RequestPasswordReset(ctx, shared.PasswordResetRequest{Email: "ann@example.com"}, Client{IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	<-preparing
	waited := make(chan int)
	go func() {
		if err := svc.Wait(ctx); err != nil {
			t.Error(err)
		}
		waited <- out.count() - queuedBefore
	}()
	select {
	case n := <-waited:
		t.Fatalf("Wait returned while the reset mail was being prepared (%d queued)", n)
	case <-time.After(50 * time.Millisecond): // Wait is right to wait: this only gives a wrong one time to show
	}
	close(release)
	if n := <-waited; n != 1 {
		t.Fatalf("after Wait, %d reset mails queued, want 1", n)
	}

	onChecked(t, func(step string) {
		if step == "reset-mail" {
			t.Error("a reset asked for after Wait was prepared")
		}
	})
	if err := svc.Recovery.RequestPasswordReset(ctx, shared.PasswordResetRequest{Email: "ann@example.com"}, Client{IP: "192.0.2.2"}); err != nil {
		t.Fatal(err)
	}
}
