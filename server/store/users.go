package store

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
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

// SetLastLogin records a successful login.
func (s *Store) SetLastLogin(ctx context.Context, userID string, at time.Time) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	_, err := s.db.NewUpdate().Model((*User)(nil)).Set("last_login = ?", at).Where("id = ?", userID).Exec(ctx)
	return MapError(err)
}

// ListUsers returns one page of users whose email or name contains query
// (case-insensitively; all users when query is empty), newest first, and
// the total number of matches.
func (s *Store) ListUsers(ctx context.Context, query string, limit, offset int) ([]User, int, error) {
	var users []User
	q := s.db.NewSelect().Model(&users).OrderExpr("date_joined DESC, id DESC").Limit(int64(limit)).Offset(int64(offset))
	if query = strings.TrimSpace(query); query != "" {
		pattern := "%" + escapeLike(strings.ToLower(query)) + "%"
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where(`email LIKE ? ESCAPE '\'`, pattern).WhereOr(`LOWER(name) LIKE ? ESCAPE '\'`, pattern)
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
