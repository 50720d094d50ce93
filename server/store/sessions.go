package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// CreateSession inserts a new session.
func (s *Store) CreateSession(ctx context.Context, sess *Session) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	_, err := s.db.NewInsert().Model(sess).Exec(ctx)
	return MapError(err)
}

// SessionByID returns the session with id, revoked or not, or ErrNotFound.
func (s *Store) SessionByID(ctx context.Context, id string) (*Session, error) {
	sess := new(Session)
	err := s.db.NewSelect().Model(sess).Where("id = ?", id).Scan(ctx)
	return sess, MapError(err)
}

// SessionStatus is what the authenticated request path needs to know
// about a session: whose it is, and whether it may still be used.
type SessionStatus struct {
	UserID          string
	Live            bool // not revoked, not expired, and its user is active
	CreatedAt       time.Time
	EmailVerified   bool
	AuthMethod      string
	AuthenticatedAt time.Time
}

// SessionStatus looks up a session and its user in one query.
func (s *Store) SessionStatus(ctx context.Context, id string, now time.Time) (SessionStatus, error) {
	var row struct {
		UserID          string     `bun:"user_id"`
		CreatedAt       time.Time  `bun:"created_at"`
		RevokedAt       *time.Time `bun:"revoked_at"`
		ExpiresAt       time.Time  `bun:"expires_at"`
		IsActive        bool       `bun:"is_active"`
		Verified        bool       `bun:"email_verified"`
		AuthMethod      string     `bun:"auth_method"`
		AuthenticatedAt *time.Time `bun:"authenticated_at"`
	}
	err := s.db.NewSelect().
		TableExpr("sessions AS s").
		Join("JOIN users AS u ON u.id = s.user_id").
		ColumnExpr("s.user_id, s.created_at, s.revoked_at, s.expires_at, u.is_active, u.email_verified, s.auth_method, s.authenticated_at").
		Where("s.id = ?", id).
		Scan(ctx, &row)
	if err != nil {
		return SessionStatus{}, MapError(err)
	}
	live := row.RevokedAt == nil && row.ExpiresAt.After(now) && row.IsActive
	st := SessionStatus{UserID: row.UserID, Live: live, CreatedAt: row.CreatedAt, EmailVerified: row.Verified, AuthMethod: row.AuthMethod}
	if row.AuthenticatedAt != nil {
		st.AuthenticatedAt = *row.AuthenticatedAt
	}
	return st, nil
}

// CountLiveSessions counts the sessions, of every user, that are neither
// revoked nor expired (for monitoring; it reads the whole sessions table,
// so call it now and then, not per request).
func (s *Store) CountLiveSessions(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.db.NewSelect().Model((*Session)(nil)).
		Where("revoked_at IS NULL").
		Where("expires_at > ?", now).
		Count(ctx)
	return n, MapError(err)
}

// ListLiveSessions returns a user's sessions that are neither revoked nor
// expired, most recently used first.
func (s *Store) ListLiveSessions(ctx context.Context, userID string, now time.Time) ([]Session, error) {
	var sessions []Session
	err := s.db.NewSelect().Model(&sessions).
		Where("user_id = ?", userID).
		Where("revoked_at IS NULL").
		Where("expires_at > ?", now).
		OrderExpr("last_used_at DESC, id DESC").
		Scan(ctx)
	return sessions, MapError(err)
}

// RevokeLeastRecentlyUsed revokes the user's live sessions other than
// keep beyond the newest limit-1 of them by last use, so that with keep
// the user has at most limit, and returns the ids it revoked. Run it in the
// transaction that created keep, after something in it has locked the
// user's row (a login updates last_login), so concurrent logins of one
// user count each other's sessions.
func (s *Store) RevokeLeastRecentlyUsed(ctx context.Context, userID, keep string, limit int, now time.Time) ([]string, error) {
	if err := s.checkWritable(); err != nil {
		return nil, err
	}
	var ids []string
	err := s.db.NewSelect().Model((*Session)(nil)).Column("id").
		Where("user_id = ?", userID).Where("id <> ?", keep).
		Where("revoked_at IS NULL").Where("expires_at > ?", now).
		OrderExpr("last_used_at DESC, id DESC").
		Scan(ctx, &ids)
	if err != nil || len(ids) < limit {
		return nil, MapError(err)
	}
	ids = ids[limit-1:]
	_, err = s.db.NewUpdate().Model((*Session)(nil)).
		Set("revoked_at = ?", now).
		Where("id IN (?)", bun.List(ids)).
		Exec(ctx)
	return ids, MapError(err)
}

// RevokeSession revokes one live session of a user. It returns ErrNotFound
// when the user has no such live session, so one user cannot learn about
// (or end) another's sessions. It locks the user's row first (LockUser),
// so a credential being added from that session lands before the
// revocation or not at all.
func (s *Store) RevokeSession(ctx context.Context, userID, id string, now time.Time) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	if err := s.LockUser(ctx, userID); err != nil {
		return err
	}
	res, err := s.db.NewUpdate().Model((*Session)(nil)).
		Set("revoked_at = ?", now).
		Where("id = ?", id).
		Where("user_id = ?", userID).
		Where("revoked_at IS NULL").
		Exec(ctx)
	if err != nil {
		return MapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// RevokeUserSessions revokes every live session of a user except keep
// (which may be ""), and returns the ids it revoked. It locks the user's
// row first, as RevokeSession does.
func (s *Store) RevokeUserSessions(ctx context.Context, userID, keep string, now time.Time) ([]string, error) {
	if err := s.checkWritable(); err != nil {
		return nil, err
	}
	if err := s.LockUser(ctx, userID); err != nil {
		return nil, err
	}
	var ids []string
	q := s.db.NewSelect().Model((*Session)(nil)).Column("id").
		Where("user_id = ?", userID).Where("revoked_at IS NULL")
	if keep != "" {
		q = q.Where("id <> ?", keep)
	}
	if err := q.Scan(ctx, &ids); err != nil {
		return nil, MapError(err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	upd := s.db.NewUpdate().Model((*Session)(nil)).
		Set("revoked_at = ?", now).
		Where("user_id = ?", userID).Where("revoked_at IS NULL")
	if keep != "" {
		upd = upd.Where("id <> ?", keep)
	}
	_, err := upd.Exec(ctx)
	return ids, MapError(err)
}

// FlushExpired deletes refresh tokens that have expired, then sessions
// that are revoked, expired, or (unless startedBy is zero) created at or
// before startedBy, past their absolute lifetime (with their remaining
// tokens, by cascade), spent or expired mailed tokens, and throttle
// buckets that have refilled. It returns how many refresh tokens and
// sessions it deleted.
func (s *Store) FlushExpired(ctx context.Context, now, startedBy time.Time) (tokens, sessions int64, err error) {
	// A session is dead once revoked, expired or past its absolute
	// lifetime; the last is checked here too for sessions stored under a
	// longer cap, or none, whose expires_at lies later. (A cut-off in the
	// past of every session takes the place of none.)
	if startedBy.IsZero() {
		startedBy = time.Unix(0, 0).UTC()
	}
	const dead = "revoked_at IS NOT NULL OR expires_at <= ? OR created_at <= ?"
	err = s.InTx(ctx, func(tx *Store) error {
		// Tokens of dead sessions go explicitly, not only by cascade, so the
		// count is right and nothing depends on foreign keys being on.
		res, err := tx.db.NewDelete().Model((*RefreshToken)(nil)).
			WhereOr("expires_at <= ?", now).
			WhereOr("session_id IN (?)", tx.db.NewSelect().Model((*Session)(nil)).Column("id").Where(dead, now, startedBy)).
			Exec(ctx)
		if err != nil {
			return MapError(err)
		}
		tokens, _ = res.RowsAffected()
		res, err = tx.db.NewDelete().Model((*Session)(nil)).Where(dead, now, startedBy).Exec(ctx)
		if err != nil {
			return MapError(err)
		}
		sessions, _ = res.RowsAffected()
		// Mailed tokens, the second steps of logins and throttle buckets
		// are not counted: they are neither sessions nor refresh tokens,
		// but they expire too. A bucket whose tat has passed is full, the
		// same as no row.
		for _, model := range []any{(*OneTimeToken)(nil), (*MFAChallenge)(nil)} {
			_, err = tx.db.NewDelete().Model(model).
				WhereOr("expires_at <= ?", now).WhereOr("used_at IS NOT NULL").Exec(ctx)
			if err != nil {
				return MapError(err)
			}
		}
		_, err = tx.db.NewDelete().Table("throttle_buckets").Where("tat <= ?", now.UnixNano()).Exec(ctx)
		return MapError(err)
	})
	return tokens, sessions, err
}

// RevokeSessionByID revokes a session whoever owns it (reuse detection
// and admin actions). It reports whether a live session was revoked.
func (s *Store) RevokeSessionByID(ctx context.Context, id string, now time.Time) (bool, error) {
	if err := s.checkWritable(); err != nil {
		return false, err
	}
	res, err := s.db.NewUpdate().Model((*Session)(nil)).
		Set("revoked_at = ?", now).
		Where("id = ?", id).
		Where("revoked_at IS NULL").
		Exec(ctx)
	if err != nil {
		return false, MapError(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
