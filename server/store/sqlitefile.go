package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

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
