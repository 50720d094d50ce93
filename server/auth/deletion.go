package auth

import (
	"context"
	"errors"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Deleting an account: by its owner (Accounts.DeleteAccount) or by staff
// (Admin.DeleteUser). Either way one transaction removes the user, every
// row of theirs in the kit's tables and the modules' data (through the
// DataRemover the HTTP layer builds from the modules' hooks), and records
// that an account was deleted without saying whose: no personal row is
// left behind (GDPR Art. 17).

// DataRemover deletes what the modules keep about a user, inside the
// transaction that deletes the account; an error cancels the deletion.
type DataRemover func(ctx context.Context, tx *store.Store, userID string) error

var (
	errWrongPassword = &shared.Error{
		Code:    shared.CodeWrongPassword,
		Message: "Your current password is incorrect.",
		Fields:  map[string]string{"current_password": "This is not your current password."},
	}
	errLastSuperuser = shared.NewError(shared.CodeLastSuperuser,
		"This is the last active superuser account. Make another account a superuser first, so someone can still run the site.")
)

// checkCurrentPassword re-authenticates the owner of u before a
// sensitive change, under the account's guess throttle
// (AccountSecretCheck): a stolen session tests guesses no faster than a
// login could.
//
// Errors: wrong_password, rate_limited.
func (a *Accounts) checkCurrentPassword(ctx context.Context, u *store.User, password string) error {
	ok, err := a.AccountSecretCheck(ctx, u.ID, func(ctx context.Context) (bool, error) {
		ok, _, err := a.hasher.Verify(ctx, password, u.PasswordHash)
		return ok, err
	})
	switch {
	case err != nil:
		return err
	case !ok && u.PasswordHash == NoPassword:
		return &shared.Error{
			Code:    shared.CodeWrongPassword,
			Message: "Your account has no password yet. Set one with the link we can mail you.",
			Fields:  map[string]string{"current_password": "Your account has no password yet."},
		}
	case !ok:
		return errWrongPassword
	}
	return nil
}

// confirmOwner re-authenticates the caller p, the owner of u, before a
// change only the owner may make (deleting the account, moving it to
// another address): with the password when they send one
// (checkCurrentPassword), else with a recent session, the rule of the
// RequireRecent guard (a login or POST /api/auth/reauth within
// --reauth-window). The second way is how an account without a password
// (made by a login provider) proves itself, with a code, a passkey or a
// fresh login through its provider (OWASP ASVS 3.7.1).
//
// Errors: wrong_password, rate_limited, reauth_required.
func (a *Accounts) confirmOwner(ctx context.Context, p Principal, u *store.User, password string) error {
	if password != "" {
		return a.checkCurrentPassword(ctx, u, password)
	}
	if !p.AuthenticatedWithin(a.reauthWindow, a.clock.now()) {
		return ErrReauthRequired
	}
	return nil
}

// DeleteAccount deletes the caller's own account once they have proved
// who they are (confirmOwner: its password, or a recent session), with
// removeData's rows, and mails them a goodbye. A superuser cannot delete
// the last active superuser account.
//
// Errors: validation_failed, wrong_password, rate_limited,
// reauth_required, last_superuser, not_authenticated.
func (a *Accounts) DeleteAccount(ctx context.Context, p Principal, req shared.DeleteAccountRequest, removeData DataRemover) error {
	if err := req.Validate(); err != nil {
		return err
	}
	u, err := a.users.fresh(ctx, p.UserID)
	if err != nil {
		return err
	}
	if err := a.confirmOwner(ctx, p, u, req.CurrentPassword); err != nil {
		return err
	}
	testHookChecked("delete-account")
	// The owner's address and browser are personal data: the record that
	// an account was deleted keeps neither.
	if err := a.deleteAccount(WithClient(ctx, Client{}), p, u, a.clock.now(), removeData); err != nil {
		return err
	}
	a.users.changed(ctx, u.ID)
	a.notices.goodbye(ctx, u.Name, u.Email, false)
	return nil
}

// DeleteUser deletes another account as staff: staff may delete accounts
// that are not staff, superusers any account but the last active
// superuser. Their own account they delete from their profile.
//
// Errors: forbidden, not_found, validation_failed (their own account),
// last_superuser, not_authenticated.
func (a *Admin) DeleteUser(ctx context.Context, p Principal, userID string, removeData DataRemover) error {
	actor, err := a.RequireStaff(ctx, p)
	if err != nil {
		return err
	}
	seen, err := a.target(ctx, userID)
	if err != nil {
		return err
	}
	if err := mayDelete(actor, seen); err != nil {
		return err
	}
	now := a.clock.now()
	var deleted *store.User
	testHookChecked("admin-delete")
	always := func(*store.User) bool { return true }
	err = a.actOn(ctx, p, seen, always, func(tx *store.Store, actor, u *store.User) error {
		if err := mayDelete(actor, u); err != nil {
			return err
		}
		deleted = u
		return removeAccount(ctx, tx, u, actor.ID, now, removeData)
	})
	if err != nil {
		return err
	}
	a.users.changed(ctx, deleted.ID)
	a.notices.goodbye(ctx, deleted.Name, deleted.Email, true)
	return nil
}

// mayDelete applies the rules of DeleteUser on who may delete whom.
func mayDelete(actor, u *store.User) error {
	switch {
	case u.ID == actor.ID:
		return &shared.Error{Code: shared.CodeValidationFailed, Message: "Delete your own account from your profile.",
			Fields: map[string]string{"id": "This is your own account."}}
	case (u.IsStaff || u.IsSuperuser) && !actor.IsSuperuser:
		return shared.NewError(shared.CodeForbidden, "Only superusers can delete staff accounts.")
	}
	return nil
}

// deleteAccount removes u, deleted by its owner from session p, in one
// transaction; a superuser's account only if another active superuser
// remains. p's session must still be live (Sessions.Hold): a password
// reset that ended it while the password was being checked took the
// account back, and an intruder's deletion must not outlive it.
func (a *Accounts) deleteAccount(ctx context.Context, p Principal, u *store.User, now time.Time, removeData DataRemover) error {
	return a.store.InTx(ctx, func(tx *store.Store) error {
		// The superusers' rows before the account's (CountActiveSuperusers),
		// then the account's with its session (Hold).
		if u.IsSuperuser {
			others, err := tx.CountActiveSuperusers(ctx, u.ID)
			if err != nil {
				return err
			}
			if others == 0 {
				return errLastSuperuser
			}
		}
		if err := a.sessions.Hold(ctx, tx, p); err != nil {
			return err
		}
		return removeAccount(ctx, tx, u, "", now, removeData)
	})
}

// removeAccount removes u within tx, with removeData's rows, recording
// the deletion with actorID (the staff member, or "" for the owner). The
// caller has counted the superusers if u is one (which takes their rows'
// locks first).
func removeAccount(ctx context.Context, tx *store.Store, u *store.User, actorID string, now time.Time, removeData DataRemover) error {
	// The account's row before the modules' and the sessions' rows, as
	// every transaction about one account takes them (store.LockUser);
	// a staff member's action (Admin.actOn) or a superuser's count has
	// locked it already.
	if err := tx.LockUser(ctx, u.ID); err != nil {
		return err
	}
	if removeData != nil {
		if err := removeData(ctx, tx, u.ID); err != nil {
			return err
		}
	}
	if err := tx.DeleteUser(ctx, u.ID); errors.Is(err, store.ErrNotFound) {
		return errNoSuchUser
	} else if err != nil {
		return err
	}
	by := "self"
	if actorID != "" {
		by = "staff"
	}
	return writeEvent(ctx, tx, now, Event{Type: shared.EventAccountDeleted, ActorID: actorID,
		Detail: map[string]string{shared.DetailBy: by, shared.DetailStaff: boolString(u.IsStaff)}})
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
