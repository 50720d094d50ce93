package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
)

// TestMigrate_PoolOfOneConnection: --db-max-conns accepts 1 ("at least
// 1"), but on PostgreSQL Migrate holds the migrations' advisory lock on a
// connection taken from the pool and then waited for another one from the
// same pool: with a pool of one, `authkit migrate` (and serve's start-up)
// waited for ever.
func TestMigrate_PoolOfOneConnection(t *testing.T) {
	db := storetest.DSN(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	err := Run(ctx, Env{
		Args:   []string{"migrate", "--db", db, "--db-max-conns", "1"},
		Getenv: func(string) string { return "" },
		Stdin:  strings.NewReader(""), Stdout: &out, Stderr: &errOut, Version: "test",
	})
	if err != nil {
		t.Fatalf("migrate --db-max-conns 1: %v (stdout %q)", err, out.String())
	}
}

// TestDatabasePathWithAHash: --db is "SQLite file path"; the store turned
// it into a "file:" URI without escaping it, so SQLite read a "#" as the
// start of a fragment (and "?" as the query): the database landed in
// another file, made by SQLite with the umask's mode (readable by
// everyone), while the 0600 file the kit made at the path stayed empty and
// was the one the "file moved" check watches.
func TestDatabasePathWithAHash(t *testing.T) {
	for _, name := range []string{"authkit#1.db", "a?b.db", "c%41d.db", "e f.db"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			db := filepath.Join(dir, name)
			if r := run(t, "", nil, "migrate", "--db", db); r.err != nil {
				t.Fatalf("migrate: %v", r.err)
			}
			if r := run(t, "", nil, "keys", "rotate", "--db", db); r.err != nil {
				t.Fatalf("rotate: %v", r.err)
			}
			names, _ := filepath.Glob(filepath.Join(dir, "*"))
			for _, f := range names {
				info, err := os.Stat(f)
				if err != nil {
					t.Fatal(err)
				}
				if filepath.Base(f) == name && info.Size() == 0 {
					t.Errorf("%s, the --db file, is empty", filepath.Base(f))
				}
				if !strings.HasPrefix(filepath.Base(f), name) {
					t.Errorf("%s: a file beside the --db file %s", filepath.Base(f), name)
				}
				if mode := info.Mode().Perm(); mode&0o077 != 0 {
					t.Errorf("%s (%d bytes) has mode %v; want no access for group and others", filepath.Base(f), info.Size(), mode)
				}
			}
		})
	}
}

// TestFlushExpired_TakesTurnsWithTheServersSweep: on a shared PostgreSQL
// database, flush-expired takes the sweep's advisory lock as the servers'
// sweeps do; while one holds it, it deletes nothing and says so, instead
// of deleting the same rows at the same moment (queueing on each other's
// row locks, or deadlocking).
func TestFlushExpired_TakesTurnsWithTheServersSweep(t *testing.T) {
	db := storetest.DSN(t)
	if !store.IsPostgres(db) {
		t.Skip("SQLite is served by one process: there is no other sweep")
	}
	if r := run(t, "", nil, "migrate", "--db", db); r.err != nil {
		t.Fatal(r.err)
	}
	st, err := store.Open(t.Context(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var r result
	ran, err := st.Alone(t.Context(), store.SweepLockKey, func() error {
		r = run(t, "", nil, "flush-expired", "--db", db)
		return nil
	})
	if err != nil || !ran {
		t.Fatalf("holding the sweep's lock: ran %v, %v", ran, err)
	}
	if r.err != nil || !strings.Contains(r.stdout, "a server is sweeping this database right now: nothing deleted") {
		t.Fatalf("flush-expired while a sweep runs: %+v", r)
	}
	if r := run(t, "", nil, "flush-expired", "--db", db); r.err != nil || !strings.HasPrefix(r.stdout, "deleted ") {
		t.Fatalf("flush-expired once the sweep is over: %+v", r)
	}
}
