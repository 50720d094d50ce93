package signing

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/authkit/authkit/server/store/storetest"
)

// pausedKeyRead holds the first read of the signing keys made while armed,
// after the database has answered it, until released.
type pausedKeyRead struct {
	mu       sync.Mutex
	armed    bool
	read     chan struct{}
	released chan struct{}
}

func (p *pausedKeyRead) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (p *pausedKeyRead) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if !strings.Contains(e.Query, "signing_keys") || !strings.HasPrefix(strings.TrimSpace(e.Query), "SELECT") {
		return
	}
	p.mu.Lock()
	armed := p.armed
	p.armed = false
	p.mu.Unlock()
	if armed {
		close(p.read)
		<-p.released
	}
}

// TestReload_AnOlderReadDoesNotUndoARotation: two reloads of one instance
// overlap (the 30 s ticker, the NOTIFY of a rotation, a token with an
// unknown kid, which anyone can send): the one that read the keys before
// the rotation must not, finishing last, put the superseded key back in
// charge of signing.
func TestReload_AnOlderReadDoesNotUndoARotation(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	cfg := Config{AccessTTL: 5 * time.Minute}
	keys, err := Load(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	oldKID := keys.current().signerKID
	pause := &pausedKeyRead{armed: true, read: make(chan struct{}), released: make(chan struct{})}
	st.DB().AddQueryHook(pause)

	done := make(chan struct{})
	go func() { defer close(done); keys.Reload(ctx) }() // e.g. the ticker, or an unknown kid
	select {
	case <-pause.read:
	case <-time.After(10 * time.Second):
		t.Fatal("the first reload never read the keys")
	}
	rotated := make(chan string, 1)
	go func() {
		kid, err := keys.Rotate(ctx)
		if err != nil {
			t.Error(err)
		}
		rotated <- kid
	}()
	var newKID string
	select {
	case newKID = <-rotated:
	case <-time.After(10 * time.Second):
		close(pause.released)
		t.Fatal("the rotation did not finish while the older read was pending")
	}
	if got := keys.current().signerKID; got != newKID {
		t.Fatalf("right after the rotation the signer is %s, want %s", got, newKID)
	}
	close(pause.released)
	<-done
	if got := keys.current().signerKID; got != newKID {
		t.Fatalf("after the older reload finished the signer is %s (the superseded key %s: %v), want the new key %s",
			got, oldKID, got == oldKID, newKID)
	}
}
