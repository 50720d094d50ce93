package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/text/unicode/norm"
)

// CreateUser inserts u. It returns ErrConflict when the email is taken;
// the unique index decides, so two concurrent registrations of one email
// cannot both succeed.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	_, err := s.db.NewInsert().Model(u).Exec(ctx)
	return MapError(err)
}

// UserByID returns the user with id, or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id string) (*User, error) {
	u := new(User)
	err := s.db.NewSelect().Model(u).Where("id = ?", id).Scan(ctx)
	return u, MapError(err)
}

// UserByEmail returns the user with the (normalised) email, or ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	u := new(User)
	err := s.db.NewSelect().Model(u).Where("email = ?", email).Scan(ctx)
	return u, MapError(err)
}

// UpdateUser writes the named columns of u. It returns ErrNotFound when
// the user does not exist.
func (s *Store) UpdateUser(ctx context.Context, u *User, columns ...string) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	res, err := s.db.NewUpdate().Model(u).Column(columns...).WherePK().Exec(ctx)
	if err != nil {
		return MapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ReplacePasswordHash writes hash as the user's password hash if it is
// still old, in one conditional UPDATE, and reports whether it did. A
// password checked against old must not be written over a change that
// landed after the check (a reset by the owner, while someone who knew the
// old password changes it or logs in).
func (s *Store) ReplacePasswordHash(ctx context.Context, userID, old, hash string) (bool, error) {
	if err := s.checkWritable(); err != nil {
		return false, err
	}
	res, err := s.db.NewUpdate().Model((*User)(nil)).Set("password_hash = ?", hash).
		Where("id = ?", userID).Where("password_hash = ?", old).Exec(ctx)
	if err != nil {
		return false, MapError(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetLastLogin records a successful login.
func (s *Store) SetLastLogin(ctx context.Context, userID string, at time.Time) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	_, err := s.db.NewUpdate().Model((*User)(nil)).Set("last_login = ?", at).Where("id = ?", userID).Exec(ctx)
	return MapError(err)
}

// ListUsers returns one page of users whose email or name contains query
// (case-insensitively, for every letter: see lower; all users when query
// is empty), newest first, and the total number of matches. The query is
// put in Unicode NFC, as emails and names are stored (shared.NormalizeEmail,
// NormalizeName), so an accent typed as a letter of its own is found.
func (s *Store) ListUsers(ctx context.Context, query string, limit, offset int) ([]User, int, error) {
	var users []User
	q := s.db.NewSelect().Model(&users).OrderExpr("date_joined DESC, id DESC").Limit(int64(limit)).Offset(int64(offset))
	if query = norm.NFC.String(strings.TrimSpace(query)); query != "" {
		pattern := "%" + escapeLike(strings.ToLower(query)) + "%"
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where(`email LIKE ? ESCAPE '\'`, pattern).WhereOr(s.lower("name")+` LIKE ? ESCAPE '\'`, pattern)
		})
	}
	total, err := q.ScanAndCount(ctx)
	if err != nil {
		return nil, 0, MapError(err)
	}
	return users, int(total), nil
}

// escapeLike makes the LIKE wildcards in a search term literal.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CountUsers returns how many accounts exist.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	n, err := s.db.NewSelect().Model((*User)(nil)).Count(ctx)
	return n, MapError(err)
}

// DeleteUser deletes a user and every row of the kit's tables that is
// theirs: refresh tokens, sessions, one-time tokens and security events.
// Events in which they acted as staff on other accounts stay, without
// them as the actor and without their IP address and User-Agent (the
// owner's view hides a client only while the event names an actor, and
// the address is the staff member's personal data), and in the audit of
// admin actions (SecurityEvent.ByStaff). Each table is cleared explicitly rather than by
// cascade, so nothing depends on foreign keys being on. Call it inside
// InTx, after the modules have deleted their rows. It returns ErrNotFound
// when there is no such user.
func (s *Store) DeleteUser(ctx context.Context, userID string) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	sessions := s.db.NewSelect().Model((*Session)(nil)).Column("id").Where("user_id = ?", userID)
	steps := []interface {
		Exec(context.Context, ...any) (sql.Result, error)
	}{
		s.db.NewDelete().Model((*RefreshToken)(nil)).Where("session_id IN (?)", sessions),
		s.db.NewDelete().Model((*Session)(nil)).Where("user_id = ?", userID),
		s.db.NewDelete().Model((*OneTimeToken)(nil)).Where("user_id = ?", userID),
		s.db.NewDelete().Model((*MFAChallenge)(nil)).Where("user_id = ?", userID),
		s.db.NewDelete().Model((*SecurityEvent)(nil)).Where("user_id = ?", userID),
		s.db.NewUpdate().Model((*SecurityEvent)(nil)).Set("actor_id = NULL").Set("ip = ''").Set("user_agent = ''").
			Where("actor_id = ?", userID),
	}
	for _, q := range steps {
		if _, err := q.Exec(ctx); err != nil {
			return MapError(err)
		}
	}
	res, err := s.db.NewDelete().Model((*User)(nil)).Where("id = ?", userID).Exec(ctx)
	if err != nil {
		return MapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// LockUser locks the user's row until the end of the transaction s is
// in, on PostgreSQL, so transactions about one account that must not
// interleave take turns: adding a credential (auth.Sessions.Hold) and
// ending the account's sessions (RevokeSession, RevokeUserSessions) or
// removing its ways in. SQLite's write transactions take turns already.
// Call it inside InTx, before the transaction changes any other row, so
// every transaction takes its locks in one order: the user's row first.
//
// The lock is the one an UPDATE of the row takes (FOR NO KEY UPDATE): it
// waits for updates and deletions of the user, but not for the rows
// being inserted that refer to the user (a session, an event), whose
// foreign-key checks only share the row's key.
func (s *Store) LockUser(ctx context.Context, userID string) error {
	if !s.postgres {
		return nil
	}
	_, err := s.db.NewRaw("SELECT 1 FROM users WHERE id = ? FOR NO KEY UPDATE", userID).Exec(ctx)
	return MapError(err)
}

// LockUsers is LockUser for several users, their rows locked in the
// order of their ids: a transaction about two accounts (a staff member
// acting on another) takes both, and two such transactions about the
// same two accounts from either side must not each hold one row and
// wait for the other's. Call it inside InTx, as LockUser.
func (s *Store) LockUsers(ctx context.Context, userIDs ...string) error {
	for _, id := range slices.Compact(slices.Sorted(slices.Values(userIDs))) {
		if err := s.LockUser(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// CountActiveSuperusers returns how many active superusers there are
// besides except. Only superusers who are staff count: one whose staff
// status was removed cannot reach the admin, so cannot be the one left to
// run the site. On PostgreSQL it first locks the superusers' rows, in
// the order of their ids as LockUsers does, so two superusers removing
// each other at once cannot both see the other as the one left; SQLite's
// write transactions already take turns. Call it inside InTx, before any
// other lock on a user's row.
func (s *Store) CountActiveSuperusers(ctx context.Context, except string) (int64, error) {
	if s.postgres {
		if _, err := s.db.NewRaw("SELECT id FROM users WHERE is_superuser ORDER BY id FOR UPDATE").Exec(ctx); err != nil {
			return 0, MapError(err)
		}
	}
	n, err := s.db.NewSelect().Model((*User)(nil)).
		Where("is_superuser").Where("is_staff").Where("is_active").Where("id <> ?", except).Count(ctx)
	return n, MapError(err)
}

// UserSessions returns every stored session of a user, ended ones too
// (until the sweep deletes them), newest first: what the data export
// lists.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]Session, error) {
	sessions := []Session{}
	err := s.db.NewSelect().Model(&sessions).Where("user_id = ?", userID).
		OrderExpr("created_at DESC, id DESC").Scan(ctx)
	return sessions, MapError(err)
}
