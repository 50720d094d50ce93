package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
)

// migratedPostgres is a new PostgreSQL database (the test skips without
// one), migrated.
func migratedPostgres(t *testing.T) string {
	t.Helper()
	dsn := storetest.NewPostgresDB(t)
	st, err := store.Open(t.Context(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return dsn
}

// TestAlone_PoolOfOneConnection: serve's sweep runs FlushExpired inside
// Alone, which on PostgreSQL holds the sweep's advisory lock on a
// connection of the pool; the sweep's own transaction then waits for a
// second connection. With --db-max-conns 1 that never came: the sweep
// hung holding the pool's only connection, and every request with it.
// The locks are held outside the pool now.
func TestAlone_PoolOfOneConnection(t *testing.T) {
	dsn := migratedPostgres(t)
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, store.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = st.Alone(ctx, store.SweepLockKey, func() error {
		_, _, err := st.FlushExpired(ctx, time.Now().UTC(), time.Time{})
		return err
	})
	if err != nil {
		t.Fatalf("sweep with a pool of one connection: %v", err)
	}
}

// TestIsUnavailable_PostgresReadOnly: a PostgreSQL server that takes no
// writes (a primary demoted to a standby after a failover, or one put in
// read-only mode when its disk fills) refuses every write with SQLSTATE
// 25006. That is the database unable to serve, as SQLITE_READONLY is on
// SQLite (which IsUnavailable counts: 503 with Retry-After); it was not
// counted: clients got 500 internal, and /healthz said 200.
func TestIsUnavailable_PostgresReadOnly(t *testing.T) {
	dsn := migratedPostgres(t)
	ctx := context.Background()
	first, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := first.DB().QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if _, err := first.DB().ExecContext(ctx, "ALTER DATABASE "+name+" SET default_transaction_read_only = on"); err != nil {
		t.Fatal(err)
	}
	first.Close()
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.CreateUser(ctx, newUser("u", "u@example.com"))
	if err == nil {
		t.Fatal("a write on a read-only session succeeded")
	}
	if !store.IsUnavailable(err) {
		t.Errorf("IsUnavailable(%v) = false; want true, as for SQLite's SQLITE_READONLY", err)
	}
	if err := st.Ping(ctx); !store.IsUnavailable(err) {
		t.Errorf("Ping (what /healthz checks) = %v on a database that takes no writes; want it unavailable", err)
	}
}
