// Package store keeps users, sessions, refresh tokens and keys in a SQL
// database through bun: SQLite by default (pure Go, no cgo), PostgreSQL when
// the DSN is a postgres:// URL. Dialect differences stay inside this
// package. Methods return ErrNotFound and ErrConflict for the expected
// outcomes and wrap everything else.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/migrate"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/authkit/authkit/server/store/migrations"
)

// The expected failures of store methods.
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: unique value already taken")
)

// Options tune the connection pool.
type Options struct {
	// MaxOpenConns bounds the pool (0 = the default of 10).
	MaxOpenConns int
}

// Store is a handle on the database. It is safe for concurrent use. Inside
// InTx, a Store runs every method in that transaction.
type Store struct {
	db       bun.IDB
	root     *bun.DB
	postgres bool
	file     *sqliteFile // SQLite only
	stmts    *preparedStatements
	// locks holds PostgreSQL's advisory locks (Migrate, Alone), each on a
	// connection of its own outside the pool: the work done under a lock
	// takes the pool's connections, and with --db-max-conns 1 it waited
	// for ever for the one the lock held. Its connections close when the
	// lock is released.
	locks *sql.DB
}

// IsPostgres reports whether dsn selects PostgreSQL rather than SQLite.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to the database named by dsn: a postgres:// URL, or else
// the path of a SQLite file (its directory is created if missing). It does
// not migrate; call Migrate.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.MaxOpenConns <= 0 {
		opt.MaxOpenConns = 10
	}
	var (
		db    *bun.DB
		file  *sqliteFile
		locks *sql.DB
		err   error
	)
	if IsPostgres(dsn) {
		conn, err := postgresConnector(dsn)
		if err != nil {
			return nil, err
		}
		db = bun.NewDB(sql.OpenDB(conn), pgdialect.New())
		locks = sql.OpenDB(conn)
		locks.SetMaxIdleConns(0)
	} else {
		if file, err = openSQLiteFile(ctx, dsn); err != nil {
			return nil, err
		}
		// From here on connections may not create the file: if it
		// vanishes, they fail (503) instead of starting an empty database.
		sqldb, err := sql.Open("sqlite", sqliteDSN(dsn, "rw"))
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		db = bun.NewDB(sqldb, sqlitedialect.New())
	}
	db.SetMaxOpenConns(opt.MaxOpenConns)
	db.SetMaxIdleConns(opt.MaxOpenConns)
	s := &Store{db: db, root: db, postgres: IsPostgres(dsn), file: file, stmts: new(preparedStatements), locks: locks}
	if err := s.reachable(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if file != nil {
		file.startCheckpoints(db.DB)
	}
	return s, nil
}

// postgresConnector is pgdriver's connector for dsn, or an error where
// pgdriver.WithDSN would panic (a malformed URL, an unknown sslmode, a bad
// timeout). The error never quotes the URL, which carries the password.
func postgresConnector(dsn string) (c *pgdriver.Connector, err error) {
	if _, err := url.Parse(dsn); err != nil {
		return nil, errors.New("store: the database URL is malformed (percent-encode special characters in the user name and password)")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: the database URL: %v", r)
		}
	}()
	return pgdriver.NewConnector(pgdriver.WithDSN(dsn)), nil
}

// sqliteDSN adds the pragmas every connection needs: WAL so readers do not
// block the writer, a busy timeout so concurrent writers wait instead of
// failing, foreign keys for the cascades, no automatic checkpoints (the
// store runs them in the background: startCheckpoints), and BEGIN
// IMMEDIATE so a read-then-write transaction takes the write lock up front
// and cannot deadlock on the upgrade.
func sqliteDSN(path, mode string) string {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)", "wal_autocheckpoint(0)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	q.Set("mode", mode)
	// The path is escaped as a URI's: a '#' began a fragment (the
	// database went to the path's part before it, with the umask's mode,
	// and the parameters after it were dropped), a '?' began the
	// parameters, and a '%' escaped what followed.
	return (&url.URL{Scheme: "file", OmitHost: true, Path: path, RawQuery: q.Encode()}).String()
}

// Close closes the pool, after a last checkpoint on SQLite.
func (s *Store) Close() error {
	s.stmts.close()
	if s.file != nil {
		s.file.stopCheckpoints()
	}
	if s.locks != nil {
		s.locks.Close()
	}
	return s.root.Close()
}

// DB exposes the pool itself, for tests and tools. Modules use IDB and
// InTx instead, which keep SQLite's single-writer turn and the check that
// the database file is still the one opened.
func (s *Store) DB() *bun.DB { return s.root }

// Ping checks that the database answers and takes writes: on SQLite, that
// the file is still the one opened (else writes are refused:
// ErrDatabaseMoved); on PostgreSQL, that the server is not read-only
// (ErrReadOnly).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.reachable(ctx); err != nil || !s.postgres {
		return err
	}
	// A server that answers but takes no writes (a primary demoted by a
	// failover) is no use to the load balancer either.
	var readOnly string
	if err := s.root.QueryRowContext(ctx, "SELECT current_setting('transaction_read_only')").Scan(&readOnly); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	if readOnly == "on" {
		return ErrReadOnly
	}
	return nil
}

// reachable checks that the database answers a query and, on SQLite,
// that the file is still the one opened. Open asks no more: a read-only
// PostgreSQL server still serves the commands that only read.
func (s *Store) reachable(ctx context.Context) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	if err := s.root.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	var one int
	if err := s.root.NewSelect().ColumnExpr("1").Scan(ctx, &one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// ErrReadOnly is Ping's answer from a PostgreSQL server that takes no
// writes (transaction_read_only is on); IsUnavailable counts it.
var ErrReadOnly = errors.New("store: the database takes no writes (transaction_read_only is on)")

// Migrate applies every migration not yet applied, the kit's own and
// those of the modules passed in (each a module's Migrations), in the
// order of their timestamped names, and returns their names.
//
// On PostgreSQL, instances starting at once take turns: each waits for a
// session-level advisory lock (released by the server if the holder's
// connection dies), so one applies the migrations and the others then find
// nothing to do. bun's lock table alone does not wait: a second instance
// failed at once with "migrations table is already locked". The lock
// table is still taken, which keeps out binaries that know only it; a row
// left there by an instance that died mid-migration is cleared by the
// next one to hold the advisory lock. SQLite has no such lock (one
// process serves the file), so there the row is named in the error.
func (s *Store) Migrate(ctx context.Context, modules ...*migrate.Migrations) ([]string, error) {
	all, err := mergeMigrations(append([]*migrate.Migrations{migrations.Migrations}, modules...)...)
	if err != nil {
		return nil, err
	}
	if s.postgres {
		unlock, err := s.lockMigrations(ctx)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	m := migrate.NewMigrator(s.root, all, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("store: migrate init: %w", err)
	}
	if s.postgres {
		// Holding the advisory lock, this instance is the only one
		// migrating: a row in bun's lock table can only have been left by
		// one that died mid-migration, and would refuse every start.
		if err := m.Unlock(ctx); err != nil {
			return nil, fmt.Errorf("store: migrate lock: %w", err)
		}
	}
	if err := m.Lock(ctx); err != nil {
		return nil, fmt.Errorf("store: migrate lock: %w (another process is migrating this database; if none is, one died mid-migration: delete the row in bun_migration_locks)", err)
	}
	defer m.Unlock(context.WithoutCancel(ctx)) //nolint:errcheck // nothing to do if unlock fails
	applied, err := applyMigrations(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	// The tables exist now: prepare the refresh path's statements.
	if err := s.prepareAll(ctx); err != nil {
		return nil, err
	}
	return applied, nil
}

// applyMigrations applies the migrations m has not applied yet, in order,
// as one group, and returns their names. It is bun's Migrate, but each
// migration made with migrations.InTx writes the row that marks it
// applied in its own transaction (bun writes it after, in a statement of
// its own: a process killed between the two ran the migration again at
// the next start). A migration made otherwise is marked after it, as bun
// does.
func applyMigrations(ctx context.Context, m *migrate.Migrator) ([]string, error) {
	all, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	group := all.LastGroupID() + 1
	var names []string
	for _, mig := range all.Unapplied() {
		mig.GroupID = group
		marked := false
		mark := func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewInsert().Model(&mig).ModelTableExpr(migrationsTable).Exec(ctx)
			marked = err == nil
			return err
		}
		if mig.Up != nil {
			if err := mig.Up(migrations.WithMark(ctx, mark), m, &mig); err != nil {
				return names, fmt.Errorf("%s: up: %w", mig.Name, err)
			}
		}
		if !marked {
			if err := m.MarkApplied(ctx, &mig); err != nil {
				return names, err
			}
		}
		names = append(names, mig.String())
	}
	return names, nil
}

// migrationsTable is bun's table of applied migrations (its default name,
// which the migrator uses).
const migrationsTable = "bun_migrations"

// UnknownMigrations returns the migrations applied to the database that
// are neither the kit's nor those of the modules passed in: a newer
// version of the program applied them (this one runs on a schema ahead of
// it), or a module has been removed since. Call it after Migrate.
func (s *Store) UnknownMigrations(ctx context.Context, modules ...*migrate.Migrations) ([]string, error) {
	all, err := mergeMigrations(append([]*migrate.Migrations{migrations.Migrations}, modules...)...)
	if err != nil {
		return nil, err
	}
	missing, err := migrate.NewMigrator(s.root, all).MissingMigrations(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: applied migrations: %w", err)
	}
	var names []string
	for _, mig := range missing {
		names = append(names, mig.Name)
	}
	slices.Sort(names)
	return names, nil
}

// migrationsLockKey is the PostgreSQL advisory lock that Migrate holds
// (any constant; this one spells "authkit" in ASCII).
const migrationsLockKey = 0x617574686b6974

// lockMigrations waits for the migrations' advisory lock on a connection
// of its own (s.locks) and returns the function that releases it.
func (s *Store) lockMigrations(ctx context.Context) (unlock func(), err error) {
	conn, err := s.locks.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(migrationsLockKey)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: migrate lock: %w", err)
	}
	return func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationsLockKey)); err != nil {
			// The lock may still be held: drop the connection, which
			// releases it, rather than return it to the pool.
			conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // discards the connection
		}
		conn.Close()
	}, nil
}

// mergeMigrations joins the kit's migrations with the modules' into one
// set. Two migrations with one name would make bun skip the second as
// already applied, so a clash is an error at start-up, not a silent skip.
func mergeMigrations(sets ...*migrate.Migrations) (*migrate.Migrations, error) {
	all := migrate.NewMigrations()
	seen := map[string]bool{}
	for _, set := range sets {
		if set == nil {
			continue
		}
		for _, m := range set.Sorted() {
			if seen[m.Name] {
				return nil, fmt.Errorf("store: two migrations are named %s; rename one (timestamps must be unique)", m.Name)
			}
			seen[m.Name] = true
			all.Add(m)
		}
	}
	return all, nil
}

// IDB is the handle to query with: inside InTx, the transaction; outside,
// the pool. Modules that keep their own tables query through it and pass
// its errors through MapError.
func (s *Store) IDB() bun.IDB { return s.db }

// IsPostgres reports whether the store is on PostgreSQL (else SQLite), for
// the rare query that must differ.
func (s *Store) IsPostgres() bool { return s.postgres }

// InTx runs fn in one transaction, committed when fn returns nil and
// rolled back otherwise, so a failed operation writes nothing.
//
// On SQLite, write transactions from this process take turns on a mutex:
// SQLite allows one writer at a time anyway, and waiting on a Go mutex is
// fair and immediate where waiting in busy_timeout polls with sleeps (which
// put seconds into the tail latency of refreshes under load).
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	if s.file != nil && s.db == bun.IDB(s.root) {
		s.file.writers.Lock()
		defer s.file.writers.Unlock()
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return fn(&Store{db: tx, root: s.root, postgres: s.postgres, file: s.file, stmts: s.stmts})
	})
}

// MapError turns driver errors into the store's domain errors, matching
// the driver's error code rather than its text: SQLite's extended code
// SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY (2067/1555), PostgreSQL's SQLSTATE
// 23505.
func MapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return ErrConflict
		}
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) && pgErr.Field('C') == "23505" {
		return ErrConflict
	}
	return fmt.Errorf("store: %w", err)
}

// SweepLockKey is the PostgreSQL advisory lock that serve's periodic
// sweep holds, so that instances sharing a database take turns instead of
// deleting the same rows at once.
const SweepLockKey = migrationsLockKey + 1

// Alone runs f unless another process holds the advisory lock key, and
// reports whether it ran. On PostgreSQL it tries the lock (a
// session-level pg_try_advisory_lock on a connection of its own, outside
// the pool f uses (s.locks), released by the server if the holder dies)
// without waiting; on SQLite, which one process serves, it just runs f.
func (s *Store) Alone(ctx context.Context, key int64, f func() error) (ran bool, err error) {
	if !s.postgres {
		return true, f()
	}
	conn, err := s.locks.Conn(ctx)
	if err != nil {
		return false, MapError(err)
	}
	defer conn.Close()
	var held bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&held); err != nil {
		return false, MapError(err)
	}
	if !held {
		return false, nil
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key); err != nil {
			// The lock may still be held: drop the connection, which
			// releases it, rather than return it to the pool.
			conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // discards the connection
		}
	}()
	return true, f()
}
