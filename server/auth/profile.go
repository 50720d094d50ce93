package auth

import (
	"context"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// A user's own account: reading it and the changes they may make.

// User returns the caller's account, the caller's own copy (from the user
// cache while fresh; see userCache).
//
// Errors: not_authenticated (the account is gone or inactive).
func (a *Accounts) User(ctx context.Context, p Principal) (*store.User, error) {
	return a.users.active(ctx, p.UserID)
}

// UpdateProfile changes the caller's name.
//
// Errors: validation_failed, not_authenticated.
func (a *Accounts) UpdateProfile(ctx context.Context, p Principal, req shared.UpdateProfileRequest) (*store.User, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	u, err := a.users.fresh(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	u.Name = *req.Name
	if err := a.store.UpdateUser(ctx, u, "name"); err != nil {
		return nil, err
	}
	a.users.changed(ctx, u.ID)
	return u, nil
}

// ChangePassword replaces the caller's password and revokes every other
// session, keeping the one that made the change (OWASP ASVS 3.3.3).
//
// Errors: validation_failed, wrong_password, not_authenticated.
func (a *Accounts) ChangePassword(ctx context.Context, p Principal, req shared.ChangePasswordRequest) error {
	u, err := a.users.fresh(ctx, p.UserID)
	if err != nil {
		return err
	}
	if err := req.Validate(u.Email); err != nil {
		return err
	}
	ok, _, err := a.hasher.Verify(ctx, req.CurrentPassword, u.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return &shared.Error{
			Code:    shared.CodeWrongPassword,
			Message: "Your current password is incorrect.",
			Fields:  map[string]string{"current_password": "This is not your current password."},
		}
	}
	if u.PasswordHash, err = a.hasher.Hash(ctx, req.NewPassword); err != nil {
		return err
	}
	var revoked []string
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateUser(ctx, u, "password_hash"); err != nil {
			return err
		}
		if err := tx.InvalidateOneTimeTokens(ctx, u.ID, store.PurposePasswordReset, a.clock.now()); err != nil {
			return err
		}
		revoked, err = tx.RevokeUserSessions(ctx, u.ID, p.SessionID, a.clock.now())
		return err
	})
	if err != nil {
		return err
	}
	a.sessions.live.revoke(revoked...)
	a.users.changed(ctx, u.ID)
	return nil
}
