package store

import (
	"context"
	"time"
)

// The second step of logins, and what sessions remember of how they were
// authenticated.

// CreateMFAChallenge stores the second step of a login.
func (s *Store) CreateMFAChallenge(ctx context.Context, c *MFAChallenge) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	_, err := s.db.NewInsert().Model(c).Exec(ctx)
	return MapError(err)
}

// ClaimMFAAttempt counts one attempt at the challenge with the token hash
// and returns it, or ErrNotFound when it is unknown, spent, expired or out
// of attempts. The attempt is counted before the code is checked, in one
// conditional UPDATE, so parallel guesses cannot get past maxAttempts.
func (s *Store) ClaimMFAAttempt(ctx context.Context, hash string, now time.Time, maxAttempts int) (*MFAChallenge, error) {
	c := new(MFAChallenge)
	err := s.InTx(ctx, func(tx *Store) error {
		res, err := tx.db.NewUpdate().Model((*MFAChallenge)(nil)).
			Set("attempts = attempts + 1").
			Where("token_hash = ?", hash).Where("used_at IS NULL").
			Where("expires_at > ?", now).Where("attempts < ?", maxAttempts).
			Exec(ctx)
		if err != nil {
			return MapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return MapError(tx.db.NewSelect().Model(c).Where("token_hash = ?", hash).Scan(ctx))
	})
	return c, err
}

// ReleaseMFAAttempt gives back an attempt ClaimMFAAttempt counted, for a
// code that was refused unchecked (the account's guess throttle was
// empty): a refused request is no attempt.
func (s *Store) ReleaseMFAAttempt(ctx context.Context, id string) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	_, err := s.db.NewUpdate().Model((*MFAChallenge)(nil)).
		Set("attempts = attempts - 1").Where("id = ?", id).Where("attempts > 0").Where("used_at IS NULL").Exec(ctx)
	return MapError(err)
}

// SpendMFAChallenge marks a challenge used; it reports whether this call
// did, so a challenge completes once even under concurrent requests.
func (s *Store) SpendMFAChallenge(ctx context.Context, id string, now time.Time) (bool, error) {
	if err := s.checkWritable(); err != nil {
		return false, err
	}
	res, err := s.db.NewUpdate().Model((*MFAChallenge)(nil)).
		Set("used_at = ?", now).Where("id = ?", id).Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return false, MapError(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeleteMFAChallenges removes a user's logins in progress (their second
// factors were reset, or the password that started them changed).
func (s *Store) DeleteMFAChallenges(ctx context.Context, userID string) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	_, err := s.db.NewDelete().Model((*MFAChallenge)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return MapError(err)
}

// Reauthenticated records a new proof of identity on a live session of
// the user. It returns ErrNotFound when there is no such live session.
func (s *Store) Reauthenticated(ctx context.Context, userID, sessionID string, at time.Time) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	res, err := s.db.NewUpdate().Model((*Session)(nil)).
		Set("authenticated_at = ?", at).
		Where("id = ?", sessionID).Where("user_id = ?", userID).Where("revoked_at IS NULL").
		Exec(ctx)
	if err != nil {
		return MapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetUserFactors writes a user's list of set-up factors.
func (s *Store) SetUserFactors(ctx context.Context, userID, factors string) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	res, err := s.db.NewUpdate().Model((*User)(nil)).Set("factors = ?", factors).Where("id = ?", userID).Exec(ctx)
	if err != nil {
		return MapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
