package metrics

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// TestLiveSessions_RecountedAtMostEvery30Seconds: scrapes in between
// repeat the last count, so scraping often costs no queries.
func TestLiveSessions_RecountedAtMostEvery30Seconds(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	svc, err := auth.New(ctx, st, auth.Config{Argon2: auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	var now atomic.Pointer[time.Time]
	setNow := func(t time.Time) { now.Store(&t) }
	setNow(time.Now())
	m := New(Sources{Auth: svc, Store: st, Now: func() time.Time { return *now.Load() }})

	if got := sessionsLive(t, m); got != "0" {
		t.Fatalf("before any session: %s", got)
	}
	for i, email := range []string{"a@example.com", "b@example.com"} {
		if _, _, err := svc.Accounts.Register(ctx, shared.RegisterRequest{Email: email, Password: "correct horse battery", Name: "A"}, auth.Client{}); err != nil {
			t.Fatal(i, err)
		}
	}
	setNow(now.Load().Add(29 * time.Second))
	if got := sessionsLive(t, m); got != "0" {
		t.Fatalf("29 s later the count was redone: %s", got)
	}
	setNow(now.Load().Add(time.Second))
	if got := sessionsLive(t, m); got != "2" {
		t.Fatalf("30 s later: %s, want 2", got)
	}
}

func sessionsLive(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for line := range strings.Lines(rec.Body.String()) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "authkit_sessions_live "); ok {
			return v
		}
	}
	t.Fatalf("no authkit_sessions_live in:\n%s", rec.Body.String())
	return ""
}

// BenchmarkObserveRequest is the price of the metrics on every request.
func BenchmarkObserveRequest(b *testing.B) {
	st := storetest.Open(b)
	svc, err := auth.New(context.Background(), st, auth.Config{Argon2: auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		b.Fatal(err)
	}
	m := New(Sources{Auth: svc, Store: st})
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest("GET /api/me", 200, 700*time.Microsecond)
	}
}
