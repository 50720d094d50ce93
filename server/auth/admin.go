package auth

import (
	"context"
	"errors"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Admin is what staff may do to other accounts: list them, rename,
// (de)activate, delete (deletion.go), read their security events and,
// for superusers, change staff status. Every change is recorded on the
// account with the acting staff member, for the audit.
type Admin struct {
	store    *store.Store
	users    *userCache
	sessions *Sessions
	notices  *notifier
	factors  *Factors
	activity *Activity // records staff actions
	clock    clock
}

// RequireStaff returns the caller's account if it is active staff.
//
// Errors: forbidden, not_authenticated.
func (a *Admin) RequireStaff(ctx context.Context, p Principal) (*store.User, error) {
	u, err := a.users.active(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if !u.IsStaff {
		return nil, errForbidden
	}
	return u, nil
}

var errNoSuchUser = shared.NewError(shared.CodeNotFound, "There is no user with this id.")

// errCountFirst stops an admin action's transaction that finds the
// account it takes out of use to be a superuser, when the superusers were
// not counted first: actOn starts it again, counting them.
var errCountFirst = errors.New("auth: count the superusers first")

// target reads the account an admin action is about, for the first look
// at the action's rules before its transaction.
//
// Errors: not_found.
func (a *Admin) target(ctx context.Context, userID string) (*store.User, error) {
	u, err := a.store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSuchUser
	}
	return u, err
}

// actOn runs act, an admin action of p's staff member on the account
// seen (read before, for a first look at the rules), in one transaction,
// and hands it both accounts as they are in it: act applies the rules
// and makes its change on these rows, never on seen. Both rows are
// locked, in the order of their ids (store.LockUsers), so whatever
// would change either waits until the action commits. RequireStaff and the first look checked
// them before the transaction; a change that landed since (the actor
// deactivated, demoted or deleted, the account promoted, changed or
// deleted) decides the action as it would decide a new request, rather
// than let it complete on what was read (or fail in the database).
//
// removes, when not nil, says whether the action takes the account, as
// it is, out of use (a deactivation, a deletion): a superuser's account
// is then refused if it is the last active one. Counting the superusers
// (store.CountActiveSuperusers) locks their rows, which must come before
// any other user row's lock; so the count is made first when seen is a
// superuser, and a transaction that finds the account has become one
// starts again, counting first (errCountFirst). The last superuser is
// refused before the actor is checked again: of two superusers taking
// each other out at once, the second is told why. The actor's session is
// checked in the database too (Sessions.Hold), not in this server's
// session cache: a session ended elsewhere (the staff member's password
// reset on another server) must not reset, change or delete an account
// in the seconds before this server hears of it.
//
// Errors: last_superuser, not_authenticated (the actor is gone or
// inactive, or their session ended), forbidden (no longer staff),
// not_found, and act's.
func (a *Admin) actOn(ctx context.Context, p Principal, seen *store.User, removes func(target *store.User) bool,
	act func(tx *store.Store, actor, target *store.User) error) error {
	actorID := p.UserID
	countFirst := removes != nil && seen.IsSuperuser && removes(seen)
	for {
		err := a.store.InTx(ctx, func(tx *store.Store) error {
			var others int64
			if countFirst {
				n, err := tx.CountActiveSuperusers(ctx, seen.ID)
				if err != nil {
					return err
				}
				others = n
			}
			if err := tx.LockUsers(ctx, actorID, seen.ID); err != nil {
				return err
			}
			target, err := tx.UserByID(ctx, seen.ID)
			if errors.Is(err, store.ErrNotFound) {
				target = nil
			} else if err != nil {
				return err
			}
			if target != nil && removes != nil && target.IsSuperuser && removes(target) {
				if !countFirst {
					return errCountFirst
				}
				if others == 0 {
					return errLastSuperuser
				}
			}
			actor, err := rereadStaff(ctx, tx, actorID)
			if err != nil {
				return err
			}
			if err := a.sessions.Hold(ctx, tx, p); err != nil {
				return err
			}
			if target == nil {
				return errNoSuchUser
			}
			return act(tx, actor, target)
		})
		if !errors.Is(err, errCountFirst) {
			return err
		}
		countFirst = true
	}
}

// rereadStaff reads the acting staff member's account again inside an
// admin action's transaction, once actOn has locked it.
//
// Errors: not_authenticated (the actor is gone or inactive), forbidden.
func rereadStaff(ctx context.Context, tx *store.Store, actorID string) (*store.User, error) {
	actor, err := tx.UserByID(ctx, actorID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errSessionEnded
	}
	if err != nil {
		return nil, err
	}
	if !actor.IsActive {
		return nil, errSessionEnded
	}
	if !actor.IsStaff {
		return nil, errForbidden
	}
	return actor, nil
}

// ListUsers pages through accounts matching query (email or name). The
// caller must be staff. limit is clamped to 1..shared.MaxPageSize.
//
// Errors: forbidden, not_authenticated.
func (a *Admin) ListUsers(ctx context.Context, p Principal, query string, limit, offset int) ([]store.User, int, error) {
	if _, err := a.RequireStaff(ctx, p); err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = shared.DefaultPageSize
	}
	limit = min(limit, shared.MaxPageSize)
	offset = max(offset, 0)
	return a.store.ListUsers(ctx, query, limit, offset)
}

// UpdateUser applies an admin's change to an account. Staff may rename
// and (de)activate users; only superusers may change staff status or
// touch a superuser's account. Nobody may deactivate or demote themselves,
// so an admin cannot lock themselves out by accident. Deactivating a user
// revokes all of their sessions at once.
//
// Errors: validation_failed, forbidden, not_found, not_authenticated.
func (a *Admin) UpdateUser(ctx context.Context, p Principal, userID string, req shared.AdminUpdateUserRequest) (*store.User, error) {
	actor, err := a.RequireStaff(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	seen, err := a.target(ctx, userID)
	if err != nil {
		return nil, err
	}
	if err := mayChange(actor, seen, req); err != nil {
		return nil, err
	}
	// Nobody deactivates their own account, but two superusers can
	// deactivate each other at once, each checked as active before the
	// other's change: one must stay to run the site (actOn).
	var deactivates func(*store.User) bool
	if req.IsActive != nil && !*req.IsActive {
		deactivates = func(u *store.User) bool { return u.IsActive }
	}
	now := a.clock.now()
	var changed *store.User
	testHookChecked("admin-update")
	err = a.actOn(ctx, p, seen, deactivates, func(tx *store.Store, actor, u *store.User) error {
		if err := mayChange(actor, u, req); err != nil {
			return err
		}
		before := *u
		if err := tx.UpdateUser(ctx, u, applyChange(u, req)...); err != nil {
			return err
		}
		if !u.IsActive {
			if _, err := tx.RevokeUserSessions(ctx, u.ID, "", now); err != nil {
				return err
			}
			// The links mailed before (a reset, an email change) are void:
			// a reactivation does not bring them back.
			for _, purpose := range []string{store.PurposePasswordReset, store.PurposeVerifyEmail, store.PurposeEmailChange} {
				if err := tx.InvalidateOneTimeTokens(ctx, u.ID, purpose, now); err != nil {
					return err
				}
			}
			// So are the logins waiting for their second step.
			if err := tx.DeleteMFAChallenges(ctx, u.ID); err != nil {
				return err
			}
		}
		for _, t := range changeEvents(&before, u) {
			if err := a.activity.record(ctx, tx, now, Event{Type: t, UserID: u.ID, ActorID: actor.ID}); err != nil {
				return err
			}
		}
		changed = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.users.changed(ctx, changed.ID)
	return changed, nil
}

// mayChange applies the rules of UpdateUser on who may change what.
func mayChange(actor, u *store.User, req shared.AdminUpdateUserRequest) error {
	if (req.IsStaff != nil || u.IsSuperuser) && !actor.IsSuperuser {
		return shared.NewError(shared.CodeForbidden, "Only superusers can change staff status or superuser accounts.")
	}
	if u.ID == actor.ID && ((req.IsActive != nil && !*req.IsActive) || (req.IsStaff != nil && !*req.IsStaff)) {
		return &shared.Error{Code: shared.CodeValidationFailed, Message: "You cannot deactivate or demote your own account.",
			Fields: map[string]string{"is_active": "You cannot deactivate or demote your own account."}}
	}
	return nil
}

// changeEvents are the events of an admin's change from before to after:
// one per thing that really changed.
func changeEvents(before, after *store.User) []shared.EventType {
	var events []shared.EventType
	if before.Name != after.Name {
		events = append(events, shared.EventNameChanged)
	}
	switch {
	case before.IsActive && !after.IsActive:
		events = append(events, shared.EventAccountDeactivated)
	case !before.IsActive && after.IsActive:
		events = append(events, shared.EventAccountReactivated)
	}
	switch {
	case !before.IsStaff && after.IsStaff:
		events = append(events, shared.EventStaffGranted)
	case before.IsStaff && !after.IsStaff:
		events = append(events, shared.EventStaffRevoked)
	}
	return events
}

// applyChange copies the request's fields onto u and returns the columns
// that changed.
func applyChange(u *store.User, req shared.AdminUpdateUserRequest) []string {
	var columns []string
	if req.Name != nil {
		u.Name, columns = *req.Name, append(columns, "name")
	}
	if req.IsActive != nil {
		u.IsActive, columns = *req.IsActive, append(columns, "is_active")
	}
	if req.IsStaff != nil {
		u.IsStaff, columns = *req.IsStaff, append(columns, "is_staff")
	}
	return columns
}

// Events returns one page of security events for staff, newest first,
// with the emails of their accounts and actors: one account's (filter
// UserID), one type's, or only what staff did (StaffActions), the audit
// of admin actions. The limit is clamped as for List.
//
// Errors: forbidden, not_authenticated.
func (a *Admin) Events(ctx context.Context, p Principal, filter store.EventFilter) ([]store.AuditEvent, error) {
	if _, err := a.RequireStaff(ctx, p); err != nil {
		return nil, err
	}
	filter.Limit = pageSize(filter.Limit)
	return a.store.ListAuditEvents(ctx, filter)
}

// ResetFactors removes every second factor and passkey of a user (one who
// lost their phone, say) and revokes all of their sessions, so they sign
// in again with their password alone. Superusers only.
//
// Errors: forbidden, not_found, not_authenticated.
func (a *Admin) ResetFactors(ctx context.Context, p Principal, userID string) (*store.User, error) {
	actor, err := a.RequireStaff(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := mayResetFactors(actor); err != nil {
		return nil, err
	}
	seen, err := a.target(ctx, userID)
	if err != nil {
		return nil, err
	}
	var revoked []string
	var reset *store.User
	testHookChecked("admin-reset-factors")
	err = a.actOn(ctx, p, seen, nil, func(tx *store.Store, actor, u *store.User) error {
		if err := mayResetFactors(actor); err != nil {
			return err
		}
		if err := a.factors.resetAll(ctx, tx, u.ID); err != nil {
			return err
		}
		var err error
		if revoked, err = tx.RevokeUserSessions(ctx, u.ID, "", a.clock.now()); err != nil {
			return err
		}
		u.Factors, reset = "", u
		return a.activity.record(ctx, tx, a.clock.now(), Event{Type: shared.EventFactorsReset, UserID: u.ID, ActorID: actor.ID})
	})
	if err != nil {
		return nil, err
	}
	a.sessions.live.revoke(revoked...)
	a.users.changed(ctx, reset.ID)
	return reset, nil
}

// mayResetFactors applies the rule of ResetFactors: superusers only.
func mayResetFactors(actor *store.User) error {
	if !actor.IsSuperuser {
		return shared.NewError(shared.CodeForbidden, "Only superusers can reset second factors.")
	}
	return nil
}
