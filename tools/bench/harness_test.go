package main

// The test harness: every test here runs the real authkit binary, from
// $AUTHKIT_BIN (make test sets it) or built once into a temp dir, and
// talks to it over loopback only.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var binary struct {
	once sync.Once
	path string
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// authkitBin returns the binary under test, building it on first use
// (about 10 s with a warm build cache, 2 minutes cold).
func authkitBin(t testing.TB) string {
	t.Helper()
	if os.Getenv("AUTHKIT_TEST_DB") == "postgres" {
		// These tests drive the SQLite file itself (kill, integrity check,
		// a full disk, a vanished file); the SQLite pass has run them.
		t.Skip("the robustness tests run on SQLite only; this is the PostgreSQL pass")
	}
	binary.once.Do(func() {
		if p := os.Getenv("AUTHKIT_BIN"); p != "" {
			binary.path, binary.err = filepath.Abs(p)
			if binary.err == nil {
				_, binary.err = os.Stat(binary.path)
			}
			return
		}
		binary.dir, binary.err = os.MkdirTemp("", "authkit-bench-bin-")
		if binary.err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			binary.path, binary.err = buildServer(ctx, binary.dir)
		}
	})
	if binary.err != nil {
		t.Fatalf("authkit binary: %v", binary.err)
	}
	return binary.path
}

// testServer is a server started for one test.
type testServer struct {
	*server
	t   testing.TB
	opt serverOptions
}

// startTestServer starts the binary on a new SQLite file in a temp dir
// (or on opt.DB when set) and stops it when the test ends, failing the
// test if the server logged a panic.
func startTestServer(t testing.TB, opt serverOptions) *testServer {
	t.Helper()
	opt.Bin = authkitBin(t)
	if opt.DB == "" {
		opt.DB = filepath.Join(t.TempDir(), "authkit.db")
	}
	srv, err := startServer(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{server: srv, t: t, opt: opt}
	t.Cleanup(func() { ts.stopAndCheck() })
	return ts
}

// restart starts a new process on the same database and flags.
func (ts *testServer) restart() *testServer {
	ts.t.Helper()
	return startTestServer(ts.t, ts.opt)
}

func (ts *testServer) stopAndCheck() {
	ts.Stop()
	if n := ts.log.Panics(); n > 0 {
		ts.t.Errorf("the server logged %d panics:\n%s", n, ts.log.Tail(30))
	}
}

// requireNoErrorLogs fails the test if the server logged at level ERROR
// (a 500, a failed sweep, a panic).
func (ts *testServer) requireNoErrorLogs() {
	ts.t.Helper()
	if n, lines := ts.log.Errors(); n > 0 {
		ts.t.Errorf("the server logged %d errors, the first:\n%s", n, joinLines(lines))
	}
}

func joinLines(lines []string) string {
	s := ""
	for _, l := range lines {
		s += l + "\n"
	}
	return s
}

// newAccount returns an account with a unique email, not yet registered.
func newAccount(prefix string, i int) *account {
	return &account{Email: fmt.Sprintf("%s-%d-%d@test.example.com", prefix, i, time.Now().UnixNano()), Password: benchPassword}
}
