package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// SigningKeys returns every stored signing key, newest first.
func (s *Store) SigningKeys(ctx context.Context) ([]SigningKey, error) {
	var keys []SigningKey
	err := s.db.NewSelect().Model(&keys).OrderExpr("created_at DESC, kid DESC").Scan(ctx)
	return keys, MapError(err)
}

// CreateSigningKey inserts a signing key.
func (s *Store) CreateSigningKey(ctx context.Context, k *SigningKey) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	_, err := s.db.NewInsert().Model(k).Exec(ctx)
	return MapError(err)
}

// DeleteSigningKeys deletes the signing keys of these ids and returns how
// many there were.
func (s *Store) DeleteSigningKeys(ctx context.Context, kids []string) (int64, error) {
	if len(kids) == 0 {
		return 0, nil
	}
	if err := s.checkWritable(); err != nil {
		return 0, err
	}
	res, err := s.db.NewDelete().Model((*SigningKey)(nil)).Where("kid IN (?)", bun.In(kids)).Exec(ctx)
	if err != nil {
		return 0, MapError(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// EnsureSecret returns the secret called name, storing value as it first
// if there is none yet. When several instances start at once, all of them
// end up with the one value that was stored first.
func (s *Store) EnsureSecret(ctx context.Context, name string, value []byte, now time.Time) ([]byte, error) {
	if err := s.checkWritable(); err != nil {
		return nil, err
	}
	sec := &Secret{Name: name, Value: value, CreatedAt: now}
	if _, err := s.db.NewInsert().Model(sec).On("CONFLICT (name) DO NOTHING").Exec(ctx); err != nil {
		return nil, MapError(err)
	}
	stored := new(Secret)
	if err := s.db.NewSelect().Model(stored).Where("name = ?", name).Scan(ctx); err != nil {
		return nil, MapError(err)
	}
	return stored.Value, nil
}

// ReplaceSecret stores value as the secret called name if it still holds
// old, and reports whether it did. Of several instances replacing the same
// value at once, one does; the others see false and read what it stored.
func (s *Store) ReplaceSecret(ctx context.Context, name string, old, value []byte) (bool, error) {
	if err := s.checkWritable(); err != nil {
		return false, err
	}
	res, err := s.db.NewUpdate().Model((*Secret)(nil)).Set("value = ?", value).
		Where("name = ?", name).Where("value = ?", old).Exec(ctx)
	if err != nil {
		return false, MapError(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
