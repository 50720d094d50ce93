package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// The database failing under a running server: a full disk, a database
// that disappears. Requests that need the database must fail with 503
// unavailable and a Retry-After, the server must not crash, and it must
// serve normally again once the database is back, without losing or
// half-applying anything.
//
// Tests run as root, where file permissions do not stop writes, and an
// open file descriptor ignores later chmods anyway; so the faults are
// made in ways that bite a running process whoever it runs as:
// RLIMIT_FSIZE (writes fail with EFBIG, as on a full disk), a real full
// tmpfs when mounting is allowed, and renaming the database directory
// away and back. The first two need Linux (prlimit(2), mount(2)) and
// live in unavailable_linux_test.go.

// TestUnavailable_DatabaseDirectoryVanishes_NewConnectionsAnswer503
// renames the database's directory away under the running server and
// back. SQLite in WAL mode does not notice a moved file on connections it
// already has (it checks only in rollback-journal mode), so those keep
// working on the moved file; connections opened meanwhile fail with
// SQLITE_CANTOPEN. Bursts of concurrent requests make the pool open new
// connections: every request must answer 200 or 503 unavailable, never
// 500, and once the directory is back everything works and every write
// acknowledged during the outage is there.
func TestUnavailable_DatabaseDirectoryVanishes_NewConnectionsAnswer503(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ts := startTestServer(t, serverOptions{DB: filepath.Join(dir, "authkit.db")})
	conn := newConn(ts.Addr)
	defer conn.Close()
	a := newAccount("vanish", 0)
	if err := register(conn, a); err != nil {
		t.Fatal(err)
	}

	if err := os.Rename(dir, dir+".gone"); err != nil {
		t.Fatal(err)
	}
	unavailable := 0
	for burst := 0; burst < 20 && unavailable == 0; burst++ {
		errs := make([]error, 40)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() {
				c := newConn(ts.Addr)
				defer c.Close()
				errs[i] = me(c, a, byBearer)
			})
		}
		wg.Wait()
		for _, err := range errs {
			var se *statusError
			switch {
			case err == nil:
			case errors.As(err, &se) && se.Status == http.StatusServiceUnavailable && se.Code == shared.CodeUnavailable:
				unavailable++
			default:
				t.Errorf("GET /api/me with the database gone: %v, want 200 or 503 unavailable", err)
			}
		}
	}
	if unavailable == 0 {
		t.Log("the pool opened no new connection while the database was away; only the existing ones were exercised")
	}
	// A write on an existing connection lands in the moved file.
	during := newAccount("vanish-during", 0)
	duringErr := register(conn, during)
	if duringErr != nil {
		requireUnavailable(t, conn, "register", duringErr)
	}
	if err := os.Rename(dir+".gone", dir); err != nil {
		t.Fatal(err)
	}

	for i := range 3 {
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				c := newConn(ts.Addr)
				defer c.Close()
				if err := me(c, a, byBearer); err != nil {
					t.Errorf("after recovery (burst %d), GET /api/me: %v", i, err)
				}
			})
		}
		wg.Wait()
	}
	if duringErr == nil {
		if err := login(conn, &account{Email: during.Email, Password: during.Password}); err != nil {
			t.Errorf("the registration acknowledged while the directory was away was lost: %v", err)
		}
	}
	if err := refresh(conn, a); err != nil {
		t.Errorf("after recovery, refresh: %v", err)
	}
	t.Logf("%d requests answered 503 while the database was away; the registration then got %v", unavailable, duringErr)
	ts.requireNoErrorLogs()
}

// TestUnavailable_DatabaseDeleted_WritesAreNotAcknowledged deletes the
// database (file, WAL and all) under the running server. SQLite in WAL mode
// would go on writing to the deleted inode, and those writes would vanish
// at the next restart; the store compares the file's identity before each
// write, so they are refused with 503 instead.
func TestUnavailable_DatabaseDeleted_WritesAreNotAcknowledged(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ts := startTestServer(t, serverOptions{DB: filepath.Join(dir, "authkit.db")})
	conn := newConn(ts.Addr)
	defer conn.Close()
	if err := register(conn, newAccount("deleted", 0)); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	err := register(conn, newAccount("deleted", 1))
	requireUnavailable(t, conn, "register", err)
}

// requireUnavailable checks that a request failed with 503, the JSON
// error code unavailable and a Retry-After header.
func requireUnavailable(t *testing.T, conn *httpConn, what string, err error) {
	t.Helper()
	var se *statusError
	if !errors.As(err, &se) || se.Status != http.StatusServiceUnavailable || se.Code != shared.CodeUnavailable {
		t.Errorf("%s with the database broken: got %v, want HTTP 503 %s", what, err, shared.CodeUnavailable)
		return
	}
	// Look at the whole last answer: its body shape and Retry-After.
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(conn.body.Bytes(), &body); err != nil || body.Error.Message == "" {
		t.Errorf("%s: body %q is not {\"error\":{\"code\":…,\"message\":…}}", what, conn.body.Bytes())
	}
	if s := conn.last.Get("Retry-After"); s == "" {
		t.Errorf("%s: 503 without Retry-After", what)
	} else if n, err := strconv.Atoi(s); err != nil || n < 1 || n > 60 {
		t.Errorf("%s: Retry-After %q, want a few seconds", what, s)
	}
}

// doneOrUnavailable accepts a success or a 503 as requireUnavailable
// checks it, and reports whether it was a success.
func doneOrUnavailable(t *testing.T, conn *httpConn, what string, err error) bool {
	t.Helper()
	if err == nil {
		return true
	}
	requireUnavailable(t, conn, what, err)
	return false
}

// TestIsUnavailable_ClassifiesRealDriverErrors feeds store.IsUnavailable
// errors produced by the real drivers.
func TestIsUnavailable_ClassifiesRealDriverErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "a.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.DB().ExecContext(ctx, "CREATE TABLE t (k TEXT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	st.DB().ExecContext(ctx, "INSERT INTO t VALUES ('x')")
	_, dup := st.DB().ExecContext(ctx, "INSERT INTO t VALUES ('x')")
	_, syntax := st.DB().ExecContext(ctx, "SELEKT 1")
	_, noTable := st.DB().ExecContext(ctx, "SELECT * FROM missing")

	// A SQLite file whose directory cannot be created: SQLITE_CANTOPEN.
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o600)
	db, _ := sql.Open("sqlite", "file:"+filepath.Join(notDir, "x.db"))
	cantOpen := db.PingContext(ctx)
	db.Close()

	// Nothing listens on port 1 of loopback: connection refused.
	_, refused := store.Open(ctx, "postgres://authkit@127.0.0.1:1/authkit?sslmode=disable&dial_timeout=2s", store.Options{})

	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", errors.New("boom"), false},
		{"not found", store.ErrNotFound, false},
		{"SQLite unique violation", dup, false},
		{"SQLite syntax error", syntax, false},
		{"SQLite missing table", noTable, false},
		{"SQLite CANTOPEN", cantOpen, true},
		{"PostgreSQL connection refused", refused, true},
		{"shared error", shared.NewError(shared.CodeNotFound, "x"), false},
	} {
		if c.err == nil && c.name != "nil" {
			t.Errorf("%s: the driver returned no error", c.name)
			continue
		}
		if got := store.IsUnavailable(c.err); got != c.want {
			t.Errorf("IsUnavailable(%s: %v) = %v, want %v", c.name, c.err, got, c.want)
		}
		// An outage is logged as a warning, anything else as an error.
		if got, want := store.LogLevel(c.err), map[bool]slog.Level{true: slog.LevelWarn, false: slog.LevelError}[c.want]; got != want {
			t.Errorf("LogLevel(%s) = %v, want %v", c.name, got, want)
		}
	}
}

// TestIsUnavailable_PostgresAdminShutdown terminates its own PostgreSQL
// backend, as a server shutting down does (SQLSTATE 57P01), when a test
// server is configured (AUTHKIT_TEST_POSTGRES).
func TestIsUnavailable_PostgresAdminShutdown(t *testing.T) {
	url := os.Getenv("AUTHKIT_TEST_POSTGRES")
	if url == "" {
		t.Skip("AUTHKIT_TEST_POSTGRES is unset")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Open(ctx, url, store.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conn, err := st.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "SELECT pg_terminate_backend(pg_backend_pid())")
	if err == nil {
		t.Fatal("terminating the own backend returned no error")
	}
	if !store.IsUnavailable(err) {
		t.Errorf("IsUnavailable(%v) = false, want true", err)
	}
}
