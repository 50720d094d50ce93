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

// recheckStaff locks, within an admin action's transaction, the acting
// staff member's row and the account acted on (store.LockUsers), and reads
// the actor again. RequireStaff checked them before the transaction; a
// deactivation, a demotion or a deletion that landed since must stop the
// action, as the guard would stop a new request, rather than let it
// complete (or fail on the event's actor_id once the actor is gone).
// Whatever changes the actor's account waits for the lock until the
// action commits. A transaction that counts the superusers
// (store.CountActiveSuperusers) does so first, as that takes their locks.
//
// Errors: not_authenticated (the actor is gone or inactive), forbidden.
func (a *Admin) recheckStaff(ctx context.Context, tx *store.Store, actorID, targetID string) (*store.User, error) {
	if err := tx.LockUsers(ctx, actorID, targetID); err != nil {
		return nil, err
	}
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
	u, err := a.store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, shared.NewError(shared.CodeNotFound, "There is no user with this id.")
	}
	if err != nil {
		return nil, err
	}
	if err := mayChange(actor, u, req); err != nil {
		return nil, err
	}
	before := *u
	columns := applyChange(u, req)
	now := a.clock.now()
	testHookChecked("admin-update")
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		// Nobody deactivates their own account, but two superusers can
		// deactivate each other at once, each checked as active before
		// the other's change: one must stay to run the site.
		if u.IsSuperuser && before.IsActive && !u.IsActive {
			others, err := tx.CountActiveSuperusers(ctx, u.ID)
			if err != nil {
				return err
			}
			if others == 0 {
				return errLastSuperuser
			}
		}
		actor, err := a.recheckStaff(ctx, tx, actor.ID, u.ID)
		if err != nil {
			return err
		}
		if err := mayChange(actor, u, req); err != nil {
			return err
		}
		if err := tx.UpdateUser(ctx, u, columns...); err != nil {
			return err
		}
		if !u.IsActive {
			if _, err := tx.RevokeUserSessions(ctx, u.ID, "", now); err != nil {
				return err
			}
		}
		for _, t := range changeEvents(&before, u) {
			if err := recordEvent(ctx, tx, now, Event{Type: t, UserID: u.ID, ActorID: actor.ID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.users.changed(ctx, u.ID)
	return u, nil
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
	u, err := a.store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, shared.NewError(shared.CodeNotFound, "There is no user with this id.")
	}
	if err != nil {
		return nil, err
	}
	var revoked []string
	testHookChecked("admin-reset-factors")
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		actor, err := a.recheckStaff(ctx, tx, actor.ID, u.ID)
		if err != nil {
			return err
		}
		if err := mayResetFactors(actor); err != nil {
			return err
		}
		if err := a.factors.resetAll(ctx, tx, u.ID); err != nil {
			return err
		}
		if revoked, err = tx.RevokeUserSessions(ctx, u.ID, "", a.clock.now()); err != nil {
			return err
		}
		return recordEvent(ctx, tx, a.clock.now(), Event{Type: shared.EventFactorsReset, UserID: u.ID, ActorID: actor.ID})
	})
	if err != nil {
		return nil, err
	}
	u.Factors = ""
	a.sessions.live.revoke(revoked...)
	a.users.changed(ctx, u.ID)
	return u, nil
}

// mayResetFactors applies the rule of ResetFactors: superusers only.
func mayResetFactors(actor *store.User) error {
	if !actor.IsSuperuser {
		return shared.NewError(shared.CodeForbidden, "Only superusers can reset second factors.")
	}
	return nil
}
