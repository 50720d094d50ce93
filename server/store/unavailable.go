package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"

	"github.com/uptrace/bun/driver/pgdriver"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsUnavailable reports whether err means the database cannot serve the
// request right now (disk full, read-only or vanished file, lock wait timed
// out, server down or shutting down) rather than that the request or our
// code is wrong. The HTTP layer answers such errors with 503 unavailable
// and a Retry-After, so clients and load balancers back off and retry;
// every other error stays a 500. Like mapError, it matches the drivers'
// codes, not their messages.
//
// SQLite (primary result codes, so every extended code counts):
// SQLITE_READONLY (including READONLY_DBMOVED, the file was deleted or
// renamed under the server), SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN,
// and SQLITE_BUSY/SQLITE_LOCKED, which only surface once the busy timeout
// has run out. SQLITE_CORRUPT is deliberately absent: retrying does not
// heal a corrupt file, so it stays an internal error that pages someone.
//
// PostgreSQL: SQLSTATE classes 08 (connection exception) and 53
// (insufficient resources), 57P01–57P05 (the server is shutting down,
// restarting or not yet accepting connections) and 25006 (a server that
// takes no writes), plus the network errors and closed connections seen
// while the server is unreachable.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrDatabaseMoved) || errors.Is(err, ErrReadOnly) {
		return true
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() & 0xff {
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
		return false
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		code := pgErr.Field('C')
		// 25006, read_only_sql_transaction: a server that takes no writes
		// (a primary demoted by a failover, default_transaction_read_only
		// set while a disk fills), as SQLite's SQLITE_READONLY is.
		return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "53") || strings.HasPrefix(code, "57P") || code == "25006"
	}
	var netErr *net.OpError
	switch {
	case errors.As(err, &netErr),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		// A database connection closed mid-exchange. Request bodies cannot
		// be the source: httpapi turns their EOFs into invalid_json before
		// any error reaches the service.
		return true
	}
	return false
}

// LogLevel is the level at which to log err, the failure of a step that
// the request survives (a mail that could not be queued after the account
// was made): Warn for an outage (IsUnavailable), which is not a bug, and
// Error, which pages someone, for anything else.
func LogLevel(err error) slog.Level {
	if IsUnavailable(err) {
		return slog.LevelWarn
	}
	return slog.LevelError
}
