package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// The refresh path's statements, prepared. A refresh token rotation is a
// durable write on every call (POST /api/token/refresh), and on SQLite
// every statement inside a write transaction holds up every other
// writer. bun writes each query with its values inlined, so SQLite parses
// and plans it anew every time: under refresh load that was a quarter of
// the server's CPU. These few statements are written out with
// placeholders instead and prepared once per connection (database/sql
// keeps them; a transaction reuses its connection's). Values go in as bun
// itself would write them (time.Time as bun's text form), so rows written
// here and by bun compare and sort alike.

// statement names a prepared statement.
type statement int

const (
	stmtRefreshTokenForRotation statement = iota
	stmtSpendRefreshToken
	stmtCreateRefreshToken
	stmtTouchSession
	numStatements
)

// statementSQL is the text of each statement, with ? placeholders
// (numbered $1, $2, … for PostgreSQL by prepare).
var statementSQL = [numStatements]string{
	stmtRefreshTokenForRotation: `SELECT rt.id, rt.session_id, rt.token_hash, rt.created_at, rt.expires_at, rt.used_at, rt.replaced_by, rt.spent_by,
		s.user_id, s.created_at, s.last_used_at, s.expires_at, s.user_agent, s.ip, s.revoked_at, s.auth_method, s.authenticated_at,
		u.email, u.name, u.password_hash, u.is_active, u.is_staff, u.is_superuser, u.date_joined, u.last_login, u.email_verified, u.factors
		FROM refresh_tokens AS rt
		JOIN sessions AS s ON s.id = rt.session_id
		JOIN users AS u ON u.id = s.user_id
		WHERE rt.token_hash = ?`,
	stmtSpendRefreshToken: `UPDATE refresh_tokens SET used_at = ?, replaced_by = ?, spent_by = ? WHERE id = ? AND used_at IS NULL`,
	stmtCreateRefreshToken: `INSERT INTO refresh_tokens (id, session_id, token_hash, created_at, expires_at, used_at, replaced_by)
		VALUES (?, ?, ?, ?, ?, NULL, NULL)`,
	stmtTouchSession: `UPDATE sessions SET last_used_at = ?, expires_at = ?
		WHERE id = ? AND revoked_at IS NULL
		AND EXISTS (SELECT 1 FROM users WHERE users.id = sessions.user_id AND users.is_active)`,
}

// preparedStatements are the pool's statements, prepared on first use.
type preparedStatements struct {
	mu    sync.Mutex
	stmts [numStatements]*sql.Stmt
}

// prepared returns statement st, for the transaction when s is one. The
// returned statement is valid until the transaction ends (or, outside
// one, until the store is closed).
//
// Migrate prepares them all (prepareAll). Until then, a transaction
// prepares its own copy on its own connection: preparing on the handle
// would wait for a free connection, and with the connection held by the
// transaction waiting here, none would come.
func (s *Store) prepared(ctx context.Context, st statement) (*sql.Stmt, error) {
	s.stmts.mu.Lock()
	stmt := s.stmts.stmts[st]
	s.stmts.mu.Unlock()
	tx, inTx := s.db.(bun.Tx)
	switch {
	case stmt != nil && inTx:
		return tx.Tx.StmtContext(ctx, stmt), nil
	case stmt != nil:
		return stmt, nil
	case inTx:
		stmt, err := tx.Tx.PrepareContext(ctx, s.statementText(st))
		if err != nil {
			return nil, fmt.Errorf("store: preparing a statement: %w", err)
		}
		return stmt, nil
	}
	if err := s.prepareAll(ctx); err != nil {
		return nil, err
	}
	return s.prepared(ctx, st)
}

// prepareAll prepares every statement on the pool, once. It prepares
// without holding the lock: preparing waits for a free connection, which
// a transaction waiting for the lock in prepared would never give back.
func (s *Store) prepareAll(ctx context.Context) error {
	s.stmts.mu.Lock()
	done := s.stmts.stmts[numStatements-1] != nil
	s.stmts.mu.Unlock()
	if done {
		return nil
	}
	var stmts [numStatements]*sql.Stmt
	for st := range numStatements {
		stmt, err := s.root.DB.PrepareContext(ctx, s.statementText(st))
		if err != nil {
			closeStatements(stmts[:])
			return fmt.Errorf("store: preparing a statement: %w", err)
		}
		stmts[st] = stmt
	}
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	if s.stmts.stmts[numStatements-1] != nil { // another caller was first
		closeStatements(stmts[:])
		return nil
	}
	s.stmts.stmts = stmts
	return nil
}

// statementText is st's SQL in the store's dialect.
func (s *Store) statementText(st statement) string {
	if s.postgres {
		return numberPlaceholders(statementSQL[st])
	}
	return statementSQL[st]
}

// close closes the prepared statements (Close calls it).
func (p *preparedStatements) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	closeStatements(p.stmts[:])
	p.stmts = [numStatements]*sql.Stmt{}
}

// closeStatements closes those of stmts that are set.
func closeStatements(stmts []*sql.Stmt) {
	for _, stmt := range stmts {
		if stmt != nil {
			stmt.Close()
		}
	}
}

// numberPlaceholders turns ? into $1, $2, … (the statements above hold
// no ? in literals).
func numberPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// timeValue is t as bun writes it into a query: UTC, to the microsecond,
// in the dialect's text form, so values written here compare with bun's.
func (s *Store) timeValue(t time.Time) string {
	b := s.root.Dialect().AppendTime(nil, t)
	return strings.Trim(string(b), "'")
}

// RefreshTokenForRotation returns the token with the given hash, used or
// not, with its Session and the session's User, in one query: a rotation
// needs all three. The User is whole, password hash included: the cookie
// refresh answers with it, and its has_password comes from the hash.
// ErrNotFound when no token has the hash.
func (s *Store) RefreshTokenForRotation(ctx context.Context, hash string) (*RefreshToken, error) {
	stmt, err := s.prepared(ctx, stmtRefreshTokenForRotation)
	if err != nil {
		return nil, err
	}
	t := &RefreshToken{TokenHash: hash, Session: &Session{User: new(User)}}
	sess, u := t.Session, t.Session.User
	var authenticatedAt *time.Time
	err = stmt.QueryRowContext(ctx, hash).Scan(
		&t.ID, &t.SessionID, &t.TokenHash, &t.CreatedAt, &t.ExpiresAt, &t.UsedAt, &t.ReplacedBy, &t.SpentBy,
		&sess.UserID, &sess.CreatedAt, &sess.LastUsedAt, &sess.ExpiresAt, &sess.UserAgent, &sess.IP, &sess.RevokedAt,
		&sess.AuthMethod, &authenticatedAt,
		&u.Email, &u.Name, &u.PasswordHash, &u.IsActive, &u.IsStaff, &u.IsSuperuser, &u.DateJoined, &u.LastLogin, &u.EmailVerified, &u.Factors)
	if err != nil {
		return nil, MapError(err)
	}
	if authenticatedAt != nil {
		sess.AuthenticatedAt = *authenticatedAt
	}
	sess.ID, u.ID = t.SessionID, sess.UserID
	return t, nil
}

// CreateRefreshToken inserts a refresh token.
func (s *Store) CreateRefreshToken(ctx context.Context, t *RefreshToken) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	stmt, err := s.prepared(ctx, stmtCreateRefreshToken)
	if err != nil {
		return err
	}
	_, err = stmt.ExecContext(ctx, t.ID, t.SessionID, t.TokenHash, s.timeValue(t.CreatedAt), s.timeValue(t.ExpiresAt))
	return MapError(err)
}

// SpendRefreshToken marks an unused token as used and replaced, by the
// client spentBy names (RefreshToken.SpentBy). It is one
// conditional UPDATE, so of two concurrent callers (even on two server
// instances) exactly one gets true; the other must treat the token as
// reused.
func (s *Store) SpendRefreshToken(ctx context.Context, id, replacedBy, spentBy string, now time.Time) (bool, error) {
	if err := s.checkWritable(); err != nil {
		return false, err
	}
	stmt, err := s.prepared(ctx, stmtSpendRefreshToken)
	if err != nil {
		return false, err
	}
	res, err := stmt.ExecContext(ctx, s.timeValue(now), replacedBy, spentBy, id)
	if err != nil {
		return false, MapError(err)
	}
	n, err := res.RowsAffected()
	return n == 1, MapError(err)
}

// TouchSession records a use of the session (a token refresh) and pushes
// its expiry out to that of its newest refresh token. It reports false,
// changing nothing, when the session is gone or revoked, or its user
// deactivated.
func (s *Store) TouchSession(ctx context.Context, id string, usedAt, expiresAt time.Time) (bool, error) {
	if err := s.checkWritable(); err != nil {
		return false, err
	}
	stmt, err := s.prepared(ctx, stmtTouchSession)
	if err != nil {
		return false, err
	}
	res, err := stmt.ExecContext(ctx, s.timeValue(usedAt), s.timeValue(expiresAt), id)
	if err != nil {
		return false, MapError(err)
	}
	n, err := res.RowsAffected()
	return n == 1, MapError(err)
}
