package store

import (
	"context"
	"time"
)

// CreateRefreshToken inserts a refresh token.
func (s *Store) CreateRefreshToken(ctx context.Context, t *RefreshToken) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	_, err := s.db.NewInsert().Model(t).Exec(ctx)
	return MapError(err)
}

// RefreshTokenByHash returns the token with the given hash, used or not,
// or ErrNotFound.
func (s *Store) RefreshTokenByHash(ctx context.Context, hash string) (*RefreshToken, error) {
	t := new(RefreshToken)
	err := s.db.NewSelect().Model(t).Where("token_hash = ?", hash).Scan(ctx)
	return t, MapError(err)
}

// SpendRefreshToken marks an unused token as used and replaced. It is one
// conditional UPDATE, so of two concurrent callers (even on two server
// instances) exactly one gets true; the other must treat the token as
// reused.
func (s *Store) SpendRefreshToken(ctx context.Context, id, replacedBy string, now time.Time) (bool, error) {
	if err := s.checkWritable(); err != nil {
		return false, err
	}
	res, err := s.db.NewUpdate().Model((*RefreshToken)(nil)).
		Set("used_at = ?", now).
		Set("replaced_by = ?", replacedBy).
		Where("id = ?", id).
		Where("used_at IS NULL").
		Exec(ctx)
	if err != nil {
		return false, MapError(err)
	}
	n, err := res.RowsAffected()
	return n == 1, MapError(err)
}
