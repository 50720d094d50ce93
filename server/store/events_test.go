package store_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
)

// TestSubscribe_ListeningAgainReportsTheGap: when the listening
// connection is lost and cannot be replaced at once (here the database
// refuses new connections, as one at max_connections does, while the
// pool's connections go on serving requests), Subscribe reports the gap
// and retries. Events published until it listens again are lost, and
// requests meanwhile cache what they read, so it must report the gap
// again once it listens, before the first event it hears; reporting it
// only while failing leaves what was cached in between stale for the
// cache's whole TTL.
func TestSubscribe_ListeningAgainReportsTheGap(t *testing.T) {
	dsn := storetest.NewPostgresDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dsn)
	name := strings.TrimPrefix(u.Path, "/")
	admin := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(storetest.PostgresURL(t))))
	defer admin.Close()
	exec := func(query string, args ...any) {
		if _, err := admin.ExecContext(context.Background(), query, args...); err != nil {
			t.Error(err)
		}
	}

	var mu sync.Mutex
	var cut, reopened, reportedSince bool
	heard := make(chan string, 100)
	go func() {
		st.Subscribe(ctx, func(event string) {
			mu.Lock()
			defer mu.Unlock()
			if event == "back" && !reportedSince {
				event = "back, the gap unreported"
			}
			heard <- event
		}, func() {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case cut && !reopened: // the first report, while failing
				reopened = true
				exec("ALTER DATABASE " + name + " WITH ALLOW_CONNECTIONS true")
			case reopened:
				reportedSince = true
			}
		})
	}()
	// Subscribe notices the end of ctx only when its wait for an event
	// times out: the test does not wait for it.
	t.Cleanup(func() {
		cancel()
		st.Close()
	})
	// until publishes until the listener hears event.
	until := func(event string) string {
		t.Helper()
		deadline := time.After(30 * time.Second) // a bound on a hang, not a measurement
		for {
			st.Publish(ctx, event) // fails while connections are refused
			select {
			case got := <-heard:
				if strings.HasPrefix(got, event) {
					return got
				}
			case <-time.After(50 * time.Millisecond):
			case <-deadline:
				t.Fatalf("the listener never heard %q", event)
			}
		}
	}
	until("ready")

	exec("ALTER DATABASE " + name + " WITH ALLOW_CONNECTIONS false")
	mu.Lock()
	cut = true
	mu.Unlock()
	exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'", name)
	if got := until("back"); got != "back" {
		t.Fatalf("heard %q: listening again after a gap did not report it", got)
	}
}
