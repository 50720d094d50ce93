package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// ErrDatabaseMoved means the SQLite file the server opened is no longer at
// its path (deleted or replaced). Writes would go to the orphaned file and
// be lost at the next restart, so the store refuses them; IsUnavailable
// counts it, so clients get 503 until the file is back.
var ErrDatabaseMoved = errors.New("store: the SQLite database file was moved or deleted")

// sqliteFile is what the store knows about its SQLite file.
type sqliteFile struct {
	path    string
	info    os.FileInfo
	writers sync.Mutex // one write transaction at a time (see InTx)

	stop, stopped chan struct{} // the checkpointer's (see startCheckpoints)
}

// checkpointEvery is how often the checkpointer copies the pages committed
// to the WAL into the database file.
const checkpointEvery = 100 * time.Millisecond

// walLimit is the WAL's length, in pages, past which the checkpointer
// holds the writers back for one checkpoint (see startCheckpoints): 32 MB.
const walLimit = 8192

// startCheckpoints runs the checkpointer on db (the pool) until
// stopCheckpoints.
//
// SQLite would checkpoint by itself, every 1,000 pages, inside the commit
// that crosses the mark: that commit then copies the pages and syncs the
// files (two fsyncs, tens of milliseconds) while it holds the write lock,
// and every other write waits. Under refresh load that stalled the one
// write lane a third of the time, with the CPU idle. A passive checkpoint
// on a connection of its own takes no write lock: writers go on appending
// to the WAL while it copies.
//
// But SQLite starts the WAL over only when a write begins with every page
// of it copied, and under steady writes pages land while the checkpoint
// copies: it never quite catches up, and the WAL grew by 80 MB a second
// under refresh load. So once the WAL passes walLimit pages, one
// checkpoint runs with the writers held back (InTx's lock). It has only
// the pages since the last one left to copy, and the next write starts
// the WAL over.
func (f *sqliteFile) startCheckpoints(db *sql.DB) {
	f.stop, f.stopped = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(f.stopped)
		tick := time.NewTicker(checkpointEvery)
		defer tick.Stop()
		for {
			select {
			case <-f.stop:
				// A last one, so the WAL left behind is short.
				db.Exec("PRAGMA wal_checkpoint(PASSIVE)") //nolint:errcheck // best effort at shutdown
				return
			case <-tick.C:
				// A failure (the file gone, the disk full) is left to
				// the writes, which report it; the next tick tries again.
				var busy, pages, copied int
				err := db.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &pages, &copied)
				if err == nil && pages >= walLimit {
					f.writers.Lock()
					db.Exec("PRAGMA wal_checkpoint(PASSIVE)") //nolint:errcheck
					f.writers.Unlock()
				}
			}
		}
	}()
}

// stopCheckpoints stops the checkpointer, if it runs, after a last
// checkpoint.
func (f *sqliteFile) stopCheckpoints() {
	if f.stop != nil {
		close(f.stop)
		<-f.stopped
		f.stop = nil
	}
}

// openSQLiteFile creates the file (and its directory) if needed and
// records its identity.
func openSQLiteFile(ctx context.Context, path string) (*sqliteFile, error) {
	if path == "" {
		return nil, errors.New("store: empty database path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	if err := createPrivateFile(path); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db, err := sql.Open("sqlite", sqliteDSN(path, "rwc"))
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &sqliteFile{path: path, info: info}, nil
}

// createPrivateFile creates path, empty (which SQLite reads as a new
// database), readable and writable by its owner only, unless a file is
// there already. SQLite would create it with mode 0644 less the umask, and
// it holds the signing keys (plain unless a key encryption key is set),
// password hashes and authenticator seeds: no other local user may read it
// (OWASP ASVS 6.4). SQLite gives the WAL and shared-memory files it makes
// beside it the database file's mode. An existing file keeps the mode its
// owner gave it.
func createPrivateFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// checkWritable refuses writes when the SQLite file is not the one that was
// opened. It costs one stat call; inside a transaction (already checked)
// and on PostgreSQL it costs nothing.
func (s *Store) checkWritable() error {
	if s.file == nil || s.db != bun.IDB(s.root) {
		return nil
	}
	info, err := os.Stat(s.file.path)
	if err != nil || !os.SameFile(info, s.file.info) {
		return ErrDatabaseMoved
	}
	return nil
}
