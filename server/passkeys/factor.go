package passkeys

import (
	"context"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// factor lets a passkey answer the login's second step after a password
// (for an account with two-factor authentication on), and
// re-authentication. It never gates a login itself: a passkey is a login
// of its own.
type factor struct{ svc *Service }

func (factor) Method() string { return auth.MethodPasskey }
func (factor) Gates() bool    { return false }

func (f factor) Offered(ctx context.Context, u *store.User) (bool, error) {
	if f.svc.wa == nil {
		return false, nil
	}
	n, err := countPasskeys(ctx, f.svc.store, u.ID)
	return n > 0, err
}

// Verify takes an assertion of one of u's own passkeys; any other (a
// refused one, another user's) is a wrong proof, and another user's
// passkey is refused before it is checked, so it is not recorded as used.
func (f factor) Verify(ctx context.Context, u *store.User, proof auth.Proof) (bool, error) {
	if len(proof.Credential) == 0 || f.svc.wa == nil {
		return false, nil
	}
	owner, _, err := f.svc.authenticate(ctx, proof.Credential, nil, u.ID)
	if _, refused := err.(*shared.Error); refused {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return owner.ID == u.ID, nil
}

func (factor) Reset(ctx context.Context, tx *store.Store, userID string) error {
	_, err := tx.IDB().NewDelete().Model((*passkey)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return store.MapError(err)
}
