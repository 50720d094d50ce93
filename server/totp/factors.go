package totp

import (
	"context"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
)

// The module's two second factors, as the auth core's login flow and
// re-authentication use them.

// Method names, as they appear in "methods" and in session methods.
const (
	MethodTOTP         = "totp"
	MethodRecoveryCode = "recovery_code"
)

// codeFactor is the authenticator app's codes. Turning it on makes every
// password login ask for a second factor.
type codeFactor struct{ svc *Service }

func (codeFactor) Method() string { return MethodTOTP }
func (codeFactor) Gates() bool    { return true }

// Offered leaves out an app whose secret does not open (usable), so the
// login asks for a recovery code instead.
func (f codeFactor) Offered(ctx context.Context, u *store.User) (bool, error) {
	return f.svc.usable(ctx, u.ID)
}

func (f codeFactor) Verify(ctx context.Context, u *store.User, proof auth.Proof) (bool, error) {
	if proof.Code == "" {
		return false, nil
	}
	return f.svc.verifyCode(ctx, u.ID, proof.Code)
}

func (codeFactor) Reset(ctx context.Context, tx *store.Store, userID string) error {
	return deleteAll(ctx, tx, userID)
}

// recoveryFactor is the recovery codes: offered while two-factor
// authentication is on and a code is left.
type recoveryFactor struct{ svc *Service }

func (recoveryFactor) Method() string { return MethodRecoveryCode }
func (recoveryFactor) Gates() bool    { return false }

func (f recoveryFactor) Offered(ctx context.Context, u *store.User) (bool, error) {
	on, err := f.svc.enabled(ctx, u.ID)
	if err != nil || !on {
		return false, err
	}
	left, err := f.svc.recoveryCodesLeft(ctx, u.ID)
	return left > 0, err
}

func (f recoveryFactor) Verify(ctx context.Context, u *store.User, proof auth.Proof) (bool, error) {
	if proof.Code == "" {
		return false, nil
	}
	return f.svc.spendRecoveryCode(ctx, u.ID, proof.Code)
}

// Reset is codeFactor's: the codes go with the secret.
func (recoveryFactor) Reset(context.Context, *store.Store, string) error { return nil }
