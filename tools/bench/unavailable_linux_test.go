//go:build linux

package main

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// The full-disk faults of unavailable_test.go, made with Linux's
// prlimit(2) and mount(2).

// TestUnavailable_DiskFull_WritesAnswer503AndRecover limits the server's
// file size to zero with prlimit(2): every write to the database then
// fails at the file system, as on a full disk.
func TestUnavailable_DiskFull_WritesAnswer503AndRecover(t *testing.T) {
	ts := startTestServer(t, serverOptions{})
	checkFaultAndRecovery(t, ts, func() (restore func()) {
		setFileSizeLimit(t, ts.Pid(), 0)
		return func() { setFileSizeLimit(t, ts.Pid(), unix.RLIM_INFINITY) }
	})
}

// TestUnavailable_DiskFull_Tmpfs fills a real (tmpfs) file system under
// the database until SQLite reports SQLITE_FULL. It needs mount(2), which
// root has here; it is skipped where mounting is not allowed.
func TestUnavailable_DiskFull_Tmpfs(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=8m"); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v); TestUnavailable_DiskFull_WritesAnswer503AndRecover covers the same path", err)
	}
	// Registered before the server starts, so it runs after the server
	// has stopped.
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	ts := startTestServer(t, serverOptions{DB: filepath.Join(dir, "authkit.db")})
	filler := filepath.Join(dir, "filler")
	checkFaultAndRecovery(t, ts, func() (restore func()) {
		fillDisk(t, filler)
		return func() { os.Remove(filler) }
	})
}

// checkFaultAndRecovery sets up an account, breaks the database with
// fault, checks that writes answer 503 unavailable, repairs it, and checks
// that the server works again and lost nothing: the refresh token whose
// rotation failed is still unspent.
func checkFaultAndRecovery(t *testing.T, ts *testServer, fault func() (restore func())) {
	t.Helper()
	conn := newConn(ts.Addr)
	defer conn.Close()
	a := newAccount("fault", 0)
	if err := register(conn, a); err != nil {
		t.Fatal(err)
	}
	before := *a

	restore := fault()
	// Registration (argon2 first, then one transaction), refresh-token
	// rotation and login all write.
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		// A tmpfs fills up only when SQLite next grows its WAL: write
		// until it does.
		if err = register(conn, newAccount("fault-new", attempt)); err != nil {
			break
		}
	}
	requireUnavailable(t, conn, "register", err)
	// A smaller write may still fit in the WAL's space that the store's
	// checkpointer has copied out and SQLite reuses: it may go through.
	// Any answer but that or a 503 is a failure.
	refreshed := doneOrUnavailable(t, conn, "refresh", refresh(conn, a))
	doneOrUnavailable(t, conn, "login", login(conn, &account{Email: a.Email, Password: a.Password}))
	if !ts.Alive() {
		t.Fatalf("the server died:\n%s", ts.log.Tail(20))
	}
	t.Logf("the server's explanation: %s", ts.log.Find("database unavailable"))
	restore()

	if !refreshed && *a != before {
		t.Fatal("a failed refresh changed the client's tokens")
	}
	// A failed rotation rolled back: the same token is still good (or,
	// after one that went through, its successor).
	if err := refresh(conn, a); err != nil {
		t.Errorf("after recovery, refresh with the token whose rotation failed (or its successor): %v", err)
	}
	if err := me(conn, a, byBearer); err != nil {
		t.Errorf("after recovery, GET /api/me: %v", err)
	}
	if err := login(conn, &account{Email: a.Email, Password: a.Password}); err != nil {
		t.Errorf("after recovery, login: %v", err)
	}
	if err := register(conn, newAccount("fault-after", 0)); err != nil {
		t.Errorf("after recovery, register: %v", err)
	}
	resp, err := conn.Do(http.MethodGet, "/healthz", nil)
	if err != nil || resp.Status != http.StatusOK {
		t.Errorf("after recovery, /healthz: %v %v", resp.Status, err)
	}
	if n := ts.log.Panics(); n > 0 {
		t.Errorf("the server panicked:\n%s", ts.log.Tail(20))
	}
	// A database outage is not a bug: nothing at level ERROR ("request
	// failed" is the 500 path).
	ts.requireNoErrorLogs()
}

// setFileSizeLimit sets RLIMIT_FSIZE of another process. Go ignores the
// SIGXFSZ that the kernel sends with EFBIG, so the server sees write
// errors and stays up.
func setFileSizeLimit(t *testing.T, pid int, limit uint64) {
	t.Helper()
	lim := unix.Rlimit{Cur: limit, Max: unix.RLIM_INFINITY}
	if err := unix.Prlimit(pid, unix.RLIMIT_FSIZE, &lim, nil); err != nil {
		t.Fatalf("prlimit: %v", err)
	}
}

// fillDisk writes to path until the file system is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			break
		}
	}
	// Fill the last partial page too.
	for {
		if _, err := f.Write(chunk[:1]); err != nil {
			return
		}
	}
}
