package auth

import (
	"cmp"
	"context"
	"time"

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

// nameChangesPerHour throttles UpdateProfile per account: plenty for a
// person, while a script renaming in a loop cannot push the account's
// other events (a stranger's sign-in, say) past the cap on events kept
// (Config.EventsPerAccount) in minutes.
const nameChangesPerHour = 10

// UpdateProfile changes the caller's name, 10 times an hour at most.
//
// Errors: validation_failed, not_authenticated, rate_limited.
func (a *Accounts) UpdateProfile(ctx context.Context, p Principal, req shared.UpdateProfileRequest) (*store.User, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	u, err := a.users.fresh(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if wait, err := a.nameChanges.take(ctx, u.ID, a.clock.now()); err != nil || wait > 0 {
		return nil, cmp.Or(err, rateLimited(wait))
	}
	u.Name = *req.Name
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateUser(ctx, u, "name"); err != nil {
			return err
		}
		return a.activity.record(ctx, tx, a.clock.now(), Event{Type: shared.EventNameChanged, UserID: u.ID})
	})
	if err != nil {
		return nil, err
	}
	a.users.changed(ctx, u.ID)
	return u, nil
}

// ChangePassword replaces the caller's password and revokes every other
// session, keeping the one that made the change (OWASP ASVS 3.3.3).
// Mailed links that could undo it (a reset, an email change) stop
// working, and the owner gets a notice.
//
// The current password is checked under the account's guess throttle
// (AccountSecretCheck), so a stolen session cannot test guesses at it
// faster than a login could.
//
// Errors: validation_failed, wrong_password, rate_limited,
// not_authenticated.
func (a *Accounts) ChangePassword(ctx context.Context, p Principal, req shared.ChangePasswordRequest) error {
	u, err := a.users.fresh(ctx, p.UserID)
	if err != nil {
		return err
	}
	if err := checkNewPassword(req.Validate(u.Email), "new_password", req.NewPassword); err != nil {
		return err
	}
	if err := a.checkCurrentPassword(ctx, u, req.CurrentPassword); err != nil {
		return err
	}
	checked := u.PasswordHash
	if u.PasswordHash, err = a.hasher.Hash(ctx, req.NewPassword); err != nil {
		return err
	}
	testHookChecked("change-password")
	var revoked []string
	now := a.clock.now()
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		// The two hashes take a while, and the password checked may have
		// changed meanwhile: a reset by the owner, which ended this
		// session, must not be overwritten by whoever knew the old
		// password. So the session must still be live (Hold) and the
		// password still the one checked.
		if err := a.sessions.Hold(ctx, tx, p); err != nil {
			return err
		}
		if replaced, err := tx.ReplacePasswordHash(ctx, u.ID, checked, u.PasswordHash); err != nil || !replaced {
			return cmp.Or[error](err, errWrongPassword)
		}
		if err := voidAccountLinks(ctx, tx, u.ID, now); err != nil {
			return err
		}
		// A login waiting for its second factor passed the old password.
		if err := tx.DeleteMFAChallenges(ctx, u.ID); err != nil {
			return err
		}
		if revoked, err = tx.RevokeUserSessions(ctx, u.ID, p.SessionID, now); err != nil {
			return err
		}
		return a.activity.record(ctx, tx, now, Event{Type: shared.EventPasswordChanged, UserID: u.ID})
	})
	if err != nil {
		return err
	}
	a.sessions.live.revoke(revoked...)
	a.users.changed(ctx, u.ID)
	a.notices.passwordChanged(ctx, u.Name, u.Email, now)
	return nil
}

// voidAccountLinks stops the mailed links that act on an account's
// password or address (resets, email changes) from working: after a
// password change or reset, a link an intruder asked for must not undo it.
func voidAccountLinks(ctx context.Context, tx *store.Store, userID string, now time.Time) error {
	for _, purpose := range []string{store.PurposePasswordReset, store.PurposeEmailChange} {
		if err := tx.InvalidateOneTimeTokens(ctx, userID, purpose, now); err != nil {
			return err
		}
	}
	return nil
}
