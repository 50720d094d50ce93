package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
)

// backends runs f on a fresh SQLite file and on a fresh PostgreSQL
// database (skipped locally without AUTHKIT_TEST_POSTGRES, required in CI).
func backends(t *testing.T, f func(t *testing.T, st *store.Store)) {
	for _, b := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "a.db") }},
		{"postgres", func(t *testing.T) string { return storetest.NewPostgresDB(t) }},
	} {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, b.dsn(t), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if again, err := st.Migrate(ctx); err != nil || len(again) != 0 {
				t.Fatalf("second migrate: %v, %v", again, err)
			}
			f(t, st)
		})
	}
}

func newUser(id, email string) *store.User {
	return &store.User{ID: id, Email: email, Name: id, PasswordHash: "x", IsActive: true, DateJoined: time.Now().UTC()}
}

func TestStore_ErrorsMapToDomainErrors(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.CreateUser(ctx, newUser("a", "a@example.com")); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateUser(ctx, newUser("b", "a@example.com")); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate email: %v", err)
		}
		if err := st.CreateUser(ctx, newUser("a", "other@example.com")); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate id: %v", err)
		}
		if _, err := st.UserByID(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing user: %v", err)
		}
		if err := st.UpdateUser(ctx, newUser("missing", "m@example.com"), "name"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update missing: %v", err)
		}
	})
}

func TestStore_TransactionsWriteAllOrNothing(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		err := st.InTx(ctx, func(tx *store.Store) error {
			if err := tx.CreateUser(ctx, newUser("a", "a@example.com")); err != nil {
				return err
			}
			return tx.CreateUser(ctx, newUser("b", "a@example.com")) // conflict: rolls back "a"
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("InTx = %v", err)
		}
		if n, _ := st.CountUsers(ctx); n != 0 {
			t.Fatalf("%d users after a rolled-back transaction", n)
		}
	})
}

func TestStore_SpendRefreshTokenOnlyOnce(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		st.CreateUser(ctx, newUser("u", "u@example.com"))
		st.CreateSession(ctx, &store.Session{ID: "s", UserID: "u", CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)})
		if err := st.CreateRefreshToken(ctx, &store.RefreshToken{ID: "t", SessionID: "s", TokenHash: "h", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 8 {
			wg.Go(func() {
				won, err := st.SpendRefreshToken(ctx, "t", "next"+string(rune('a'+i)), "client"+string(rune('a'+i)), now)
				if err != nil {
					t.Error(err)
				}
				if won {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d spends of one token", wins)
		}
		// The row names the winner's successor and the winner's client.
		spent, err := st.RefreshTokenForRotation(ctx, "h")
		if err != nil || spent.UsedAt == nil || spent.ReplacedBy == nil ||
			strings.TrimPrefix(*spent.ReplacedBy, "next") != strings.TrimPrefix(spent.SpentBy, "client") {
			t.Fatalf("the spent token: %+v, %v", spent, err)
		}
	})
}

func TestStore_EnsureSecretKeepsTheFirstValue(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		first, err := st.EnsureSecret(ctx, "k", []byte("one"), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		second, err := st.EnsureSecret(ctx, "k", []byte("two"), time.Now())
		if err != nil || string(first) != "one" || string(second) != "one" {
			t.Fatalf("secrets %q %q %v", first, second, err)
		}
	})
}

// TestStore_ReplaceSecretOnlyReplacesTheValueItWasGiven: of two
// replacements of one value (two instances sealing it at once) one wins,
// whatever bytes the value holds.
func TestStore_ReplaceSecretOnlyReplacesTheValueItWasGiven(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		old := []byte{0, 0xff, '\'', '\\', 'x'}
		if _, err := st.EnsureSecret(ctx, "k", old, time.Now()); err != nil {
			t.Fatal(err)
		}
		first, err := st.ReplaceSecret(ctx, "k", old, []byte("sealed by one"))
		if err != nil || !first {
			t.Fatalf("first replacement: %v %v", first, err)
		}
		second, err := st.ReplaceSecret(ctx, "k", old, []byte("sealed by another"))
		if err != nil || second {
			t.Fatalf("second replacement: %v %v", second, err)
		}
		if v, err := st.EnsureSecret(ctx, "k", []byte("unused"), time.Now()); err != nil || string(v) != "sealed by one" {
			t.Fatalf("stored %q %v", v, err)
		}
	})
}

func TestStore_ListUsersSearchesLiterally(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		for i, e := range []string{"ann@example.com", "bob@example.com", "x_y@example.com"} {
			u := newUser(string(rune('a'+i)), e)
			u.DateJoined = u.DateJoined.Add(time.Duration(i) * time.Second)
			st.CreateUser(ctx, u)
		}
		users, total, err := st.ListUsers(ctx, "_", 10, 0)
		if err != nil || total != 1 || users[0].Email != "x_y@example.com" {
			t.Fatalf("users %v total %d err %v", users, total, err)
		}
		users, total, _ = st.ListUsers(ctx, "EXAMPLE", 2, 0)
		if total != 3 || len(users) != 2 || users[0].Email != "x_y@example.com" {
			t.Fatalf("page: %v total %d", users, total)
		}
	})
}

// TestStore_PreparedStatementsAgreeWithBun: the refresh path's prepared
// statements write values that bun's queries read back and compare with
// (times included, which SQLite holds as text), and read what bun wrote.
func TestStore_PreparedStatementsAgreeWithBun(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.UTC)
		us := now.Truncate(time.Microsecond) // what the database keeps
		u := newUser("u", "u@example.com")
		u.LastLogin = &now
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateSession(ctx, &store.Session{ID: "s", UserID: "u", CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour), UserAgent: "ua", IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
		for _, rt := range []*store.RefreshToken{
			{ID: "live", SessionID: "s", TokenHash: "h-live", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
			{ID: "old", SessionID: "s", TokenHash: "h-old", CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Nanosecond)},
		} {
			if err := st.CreateRefreshToken(ctx, rt); err != nil {
				t.Fatal(err)
			}
		}

		got, err := st.RefreshTokenForRotation(ctx, "h-live")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != "live" || got.SessionID != "s" || !got.ExpiresAt.Equal(us.Add(time.Hour)) || got.UsedAt != nil ||
			got.Session.ID != "s" || got.Session.UserID != "u" || got.Session.RevokedAt != nil || got.Session.IP != "192.0.2.1" ||
			got.Session.User.ID != "u" || got.Session.User.Email != "u@example.com" || !got.Session.User.IsActive ||
			got.Session.User.LastLogin == nil || !got.Session.User.LastLogin.Equal(us) || got.Session.User.PasswordHash != u.PasswordHash {
			t.Fatalf("read %+v, session %+v, user %+v", got, got.Session, got.Session.User)
		}
		if _, err := st.RefreshTokenForRotation(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown hash: %v", err)
		}

		later := now.Add(time.Minute)
		if won, err := st.SpendRefreshToken(ctx, "live", "next", "c", later); err != nil || !won {
			t.Fatalf("spend: %v, %v", won, err)
		}
		if live, err := st.TouchSession(ctx, "s", later, later.Add(2*time.Hour)); err != nil || !live {
			t.Fatalf("touch: %v, %v", live, err)
		}
		byBun, err := st.RefreshTokenByHash(ctx, "h-live")
		if err != nil || byBun.UsedAt == nil || !byBun.UsedAt.Equal(later.Truncate(time.Microsecond)) || byBun.ReplacedBy == nil || *byBun.ReplacedBy != "next" || byBun.SpentBy != "c" {
			t.Fatalf("bun reads the spent token as %+v, %v", byBun, err)
		}
		sess, err := st.SessionByID(ctx, "s")
		if err != nil || !sess.ExpiresAt.Equal(later.Add(2*time.Hour).Truncate(time.Microsecond)) {
			t.Fatalf("bun reads the touched session as %+v, %v", sess, err)
		}
		// bun's comparisons with the prepared statements' times: the token
		// that expired a nanosecond before now goes, the live one stays.
		tokens, _, err := st.FlushExpired(ctx, now, time.Time{})
		if err != nil || tokens != 1 {
			t.Fatalf("flush at now: %d tokens, %v", tokens, err)
		}
		if _, err := st.RefreshTokenByHash(ctx, "h-live"); err != nil {
			t.Fatalf("the live token was flushed: %v", err)
		}
		if _, err := st.RefreshTokenByHash(ctx, "h-old"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the expired token stayed: %v", err)
		}
		// A revoked session is not touched: a refresh that read it live
		// just before learns of the revocation here.
		if ended, err := st.RevokeSessionByID(ctx, "s", later); err != nil || !ended {
			t.Fatalf("revoke: %v, %v", ended, err)
		}
		if live, err := st.TouchSession(ctx, "s", later.Add(time.Minute), later.Add(3*time.Hour)); err != nil || live {
			t.Fatalf("touching a revoked session: %v, %v", live, err)
		}
		if sess, err := st.SessionByID(ctx, "s"); err != nil || !sess.ExpiresAt.Equal(later.Add(2*time.Hour).Truncate(time.Microsecond)) {
			t.Fatalf("the revoked session was touched: %+v, %v", sess, err)
		}
	})
}

// TestStore_PreparedStatementsBeforeMigrate: a store opened on a database
// someone else migrated prepares the statements as it goes, inside a
// transaction too, even with every pooled connection in a transaction.
func TestStore_PreparedStatementsBeforeMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	first, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	first.Close()

	st, err := store.Open(ctx, path, store.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	st.CreateUser(ctx, newUser("u", "u@example.com"))
	st.CreateSession(ctx, &store.Session{ID: "s", UserID: "u", CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)})
	err = st.InTx(ctx, func(tx *store.Store) error {
		return tx.CreateRefreshToken(ctx, &store.RefreshToken{ID: "t", SessionID: "s", TokenHash: "h", CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RefreshTokenForRotation(ctx, "h"); err != nil {
		t.Fatal(err)
	}
}

// blobStore opens a SQLite store at path with a table of blobs to fill.
func blobStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.DB().Exec("CREATE TABLE blobs (b BLOB)"); err != nil {
		t.Fatal(err)
	}
	return st
}

// writeBlobs writes n transactions of 16 blobs of 4,000 bytes (64 KB
// each) through InTx, back to back.
func writeBlobs(t *testing.T, st *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	for range n {
		err := st.InTx(ctx, func(tx *store.Store) error {
			_, err := tx.IDB().ExecContext(ctx, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 16) INSERT INTO blobs SELECT randomblob(4000) FROM n")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestStore_CheckpointsInTheBackground: on SQLite no commit checkpoints
// (a checkpoint inside a commit holds the write lock through its fsyncs);
// the store's checkpointer copies the WAL into the database file instead,
// beside the writes.
func TestStore_CheckpointsInTheBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	st := blobStore(t, path)
	var auto int
	if err := st.DB().QueryRow("PRAGMA wal_autocheckpoint").Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("wal_autocheckpoint = %d, %v; want 0", auto, err)
	}
	size := func() int64 {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return info.Size()
	}
	before := size()
	// 2 MB in write transactions: with WAL, only a checkpoint puts pages
	// into the database file itself.
	writeBlobs(t, st, 32)
	deadline := time.Now().Add(10 * time.Second)
	for size() < before+2_000_000 {
		if time.Now().After(deadline) {
			t.Fatalf("the database file stayed at %d bytes (from %d): no checkpoint copied the WAL", size(), before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStore_WALStaysBoundedUnderSteadyWrites: SQLite starts the WAL over
// only when a write begins with all of it copied; under writes without a
// pause the background checkpoints never quite catch up, so past its
// limit (32 MB) the checkpointer holds the writers back once. 64 MB
// written back to back must leave a WAL well short of that.
func TestStore_WALStaysBoundedUnderSteadyWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	writeBlobs(t, blobStore(t, path), 1024) // 64 MB
	info, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() > 48<<20 {
		t.Fatalf("the WAL grew to %d MB for 64 MB written: it never started over", info.Size()>>20)
	}
	t.Logf("WAL: %d MB for 64 MB written", info.Size()>>20)
}

// A process that dies mid-migration leaves its row in bun's lock table.
// On PostgreSQL the next instance, holding the advisory lock, knows the row
// is stale and migrates; on SQLite, which has no such lock, the error
// names the row to delete instead of only "already locked".
func TestStore_ALockLeftByACrashedMigration(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		// What bun's Migrator.Lock inserts, left behind by a dead process.
		if _, err := st.DB().ExecContext(ctx, "INSERT INTO bun_migration_locks (table_name) VALUES ('bun_migrations')"); err != nil {
			t.Fatal(err)
		}
		_, err := st.Migrate(ctx)
		if st.IsPostgres() {
			if err != nil {
				t.Fatalf("migrate after a crash: %v", err)
			}
			var left int
			if err := st.DB().NewSelect().TableExpr("bun_migration_locks").ColumnExpr("count(*)").Scan(ctx, &left); err != nil || left != 0 {
				t.Fatalf("lock rows left: %d, %v", left, err)
			}
			return
		}
		if err == nil || !strings.Contains(err.Error(), "delete the row in bun_migration_locks") {
			t.Fatalf("migrate after a crash: %v", err)
		}
	})
}
