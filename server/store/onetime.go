package store

import (
	"context"
	"time"
)

// CreateOneTimeToken stores a token after invalidating the user's older
// unused tokens of the same purpose: only the newest link works. The
// user's row is locked first (LockUser): on PostgreSQL two requests at
// once would otherwise each find nothing to void, neither seeing the
// other's uncommitted link, and both links would work.
func (s *Store) CreateOneTimeToken(ctx context.Context, t *OneTimeToken) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.LockUser(ctx, t.UserID); err != nil {
			return err
		}
		if err := tx.InvalidateOneTimeTokens(ctx, t.UserID, t.Purpose, t.CreatedAt); err != nil {
			return err
		}
		_, err := tx.db.NewInsert().Model(t).Exec(ctx)
		return MapError(err)
	})
}

// OneTimeTokenByHash returns the token of the purpose with the hash, or
// ErrNotFound.
func (s *Store) OneTimeTokenByHash(ctx context.Context, purpose, hash string) (*OneTimeToken, error) {
	t := new(OneTimeToken)
	err := s.db.NewSelect().Model(t).Where("token_hash = ?", hash).Where("purpose = ?", purpose).Scan(ctx)
	return t, MapError(err)
}

// UseOneTimeToken marks an unused, unexpired token used. Like refresh
// token rotation it is one conditional UPDATE, so a token works once even
// under concurrent requests; it reports whether this call used it.
func (s *Store) UseOneTimeToken(ctx context.Context, id string, now time.Time) (bool, error) {
	if err := s.checkWritable(); err != nil {
		return false, err
	}
	res, err := s.db.NewUpdate().Model((*OneTimeToken)(nil)).
		Set("used_at = ?", now).
		Where("id = ?", id).Where("used_at IS NULL").Where("expires_at > ?", now).
		Exec(ctx)
	if err != nil {
		return false, MapError(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// InvalidateOneTimeTokens marks every unused token of a user and purpose
// used (after a newer request, or a password change).
func (s *Store) InvalidateOneTimeTokens(ctx context.Context, userID, purpose string, now time.Time) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	_, err := s.db.NewUpdate().Model((*OneTimeToken)(nil)).
		Set("used_at = ?", now).
		Where("user_id = ?", userID).Where("purpose = ?", purpose).Where("used_at IS NULL").
		Exec(ctx)
	return MapError(err)
}
