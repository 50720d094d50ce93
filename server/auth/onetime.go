package auth

import (
	"context"
	"errors"
	"time"

	"github.com/authkit/authkit/server/store"
)

// One-time secrets are what mailed links carry (password reset, email
// confirmation): single-use, short-lived, bound to one user and purpose.
// Only their hash is stored, so a copy of the database cannot be turned
// into working links.

// newOneTimeSecret returns a new one-time secret and the hash under which
// it is stored.
func newOneTimeSecret() (secret, hash string) {
	secret = randomSecret()
	return secret, hashOneTimeSecret(secret)
}

// hashOneTimeSecret is the lookup key of a one-time secret.
func hashOneTimeSecret(secret string) string { return secretHash(secret) }

// storeOneTimeSecret stores a new one-time secret (hashed) for a user and
// purpose, valid for ttl, and returns it for the link.
func (r *Recovery) storeOneTimeSecret(ctx context.Context, userID, purpose string, ttl time.Duration) (string, error) {
	secret, hash := newOneTimeSecret()
	now := r.clock.now()
	err := r.store.CreateOneTimeToken(ctx, &store.OneTimeToken{
		ID: newID(), UserID: userID, Purpose: purpose, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(ttl),
	})
	return secret, err
}

// errAddressMoved: the account is no longer at the address a link was
// to be mailed to (or is gone, or deactivated).
var errAddressMoved = errors.New("the account no longer has this address")

// storeLinkSecret is storeOneTimeSecret for a link to be mailed to u's
// address, u as the caller read it. The link is made only if the account
// still has that address, read again under the account's lock
// (store.LockUser): an email change (ConfirmEmailChange) that committed
// since u was read voided the old address's links, and one made for it
// now would outlive that. So did a deactivation (Admin.UpdateUser),
// which a reactivation must not undo. Then it answers errAddressMoved,
// and nothing must be mailed.
func (r *Recovery) storeLinkSecret(ctx context.Context, u *store.User, purpose string, ttl time.Duration) (string, error) {
	testHookChecked("mail-link")
	secret, hash := newOneTimeSecret()
	now := r.clock.now()
	err := r.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.LockUser(ctx, u.ID); err != nil {
			return err
		}
		current, err := tx.UserByID(ctx, u.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (current.Email != u.Email || !current.IsActive)) {
			return errAddressMoved
		}
		if err != nil {
			return err
		}
		return tx.CreateOneTimeToken(ctx, &store.OneTimeToken{
			ID: newID(), UserID: u.ID, Purpose: purpose, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(ttl),
		})
	})
	return secret, err
}

// unspentSecret finds the stored one-time secret for a purpose, refusing
// one that is unknown, spent or expired.
//
// Errors: invalid_token.
func (r *Recovery) unspentSecret(ctx context.Context, purpose, secret string, now time.Time) (*store.OneTimeToken, error) {
	t, err := r.store.OneTimeTokenByHash(ctx, purpose, hashOneTimeSecret(secret))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInvalidMailToken
	}
	if err != nil {
		return nil, err
	}
	if t.UsedAt != nil || !t.ExpiresAt.After(now) {
		return nil, errInvalidMailToken
	}
	return t, nil
}

// spendOneTimeSecret marks a secret used within tx. Of two requests
// racing with one link, only one wins; the other gets invalid_token.
func spendOneTimeSecret(ctx context.Context, tx *store.Store, t *store.OneTimeToken, now time.Time) error {
	won, err := tx.UseOneTimeToken(ctx, t.ID, now)
	if err != nil {
		return err
	}
	if !won {
		return errInvalidMailToken
	}
	return nil
}
