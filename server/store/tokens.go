package store

import "context"

// RefreshTokenByHash returns the token with the given hash, used or not,
// or ErrNotFound.
func (s *Store) RefreshTokenByHash(ctx context.Context, hash string) (*RefreshToken, error) {
	t := new(RefreshToken)
	err := s.db.NewSelect().Model(t).Where("token_hash = ?", hash).Scan(ctx)
	return t, MapError(err)
}
