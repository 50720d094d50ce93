package sso

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
	"github.com/authkit/authkit/shared/sso"
)

// The identities table: queries, and the rule that keeps a way in.

func newIdentity(userID, providerID, subject, email string, now time.Time) *identity {
	return &identity{ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, Provider: providerID,
		Subject: subject, Email: email, CreatedAt: now}
}

// identityBySubject returns the identity of a provider account, or
// store.ErrNotFound.
func identityBySubject(ctx context.Context, tx *store.Store, providerID, subject string) (*identity, error) {
	id := new(identity)
	err := tx.IDB().NewSelect().Model(id).Where("provider = ? AND subject = ?", providerID, subject).Scan(ctx)
	return id, store.MapError(err)
}

// insertIdentity stores a new identity; store.ErrConflict when the
// provider account is connected already.
func insertIdentity(ctx context.Context, tx *store.Store, id *identity) error {
	_, err := tx.IDB().NewInsert().Model(id).Exec(ctx)
	return store.MapError(err)
}

// refreshEmail keeps the address a provider gave last, for the profile to
// show (never to match accounts by).
func refreshEmail(ctx context.Context, tx *store.Store, id *identity, email string) error {
	if email == "" || email == id.Email {
		return nil
	}
	id.Email = email
	_, err := tx.IDB().NewUpdate().Model(id).Column("email").WherePK().Exec(ctx)
	return store.MapError(err)
}

// userIdentities returns a user's identities, oldest first.
func userIdentities(ctx context.Context, st *store.Store, userID string) ([]identity, error) {
	var list []identity
	err := st.IDB().NewSelect().Model(&list).Where("user_id = ?", userID).
		OrderExpr("created_at ASC, id ASC").Scan(ctx)
	return list, store.MapError(err)
}

// errIdentityGone: the provider account that a sign-in found its account
// by was disconnected from it (by a password reset, say) before the
// session started. The sign-in is decided again; a second time, the
// person tries again.
var errIdentityGone = fail(sso.FailureInvalidState, errors.New("the provider account was disconnected during the sign-in"))

// stillConnected is the auth.FirstStepCheck of a sign-in through a
// provider account: it must still be connected to the account it led to,
// read within the transaction that starts the session, after the
// account's row is locked, as a reset takes it before it removes the
// account's ways in.
func stillConnected(userID, providerID, subject string) auth.FirstStepCheck {
	return func(ctx context.Context, tx *store.Store) error {
		id, err := identityBySubject(ctx, tx, providerID, subject)
		if errors.Is(err, store.ErrNotFound) || (err == nil && id.UserID != userID) {
			return errIdentityGone
		}
		return err
	}
}

var errNoSuchIdentity = shared.NewError(shared.CodeNotFound, "That connected account does not exist, or is no longer connected.")

// wayIn names the module's login method among the ways in the core
// counts (auth.WaysIn): each connected provider account is one.
const wayIn = "identity"

// countIdentities counts a user's connected provider accounts of the
// providers this server offers, within tx. A connection to a provider
// that is no longer configured signs nobody in: counting it would let
// the last real way in go (a disconnection, a passkey's deletion).
func (h *handlers) countIdentities(ctx context.Context, tx *store.Store, userID string) (int, error) {
	if len(h.providers) == 0 {
		return 0, nil
	}
	offered := make([]string, 0, len(h.providers))
	for _, p := range h.providers {
		offered = append(offered, p.ID())
	}
	n, err := tx.IDB().NewSelect().Model((*identity)(nil)).
		Where("user_id = ? AND provider IN (?)", userID, bun.In(offered)).Count(ctx)
	return int(n), store.MapError(err)
}

// removeIdentity disconnects one of the user's identities, unless it is
// the account's last way to sign in: the core's auth.WaysIn counts what
// is left (a password, other identities, the passkeys module's passkeys)
// without this module naming any. A second factor alone (an
// authenticator app) is no way in. The disconnection is recorded as a
// security event in the same transaction. The caller's session is held
// first (auth.Sessions.Hold), as for deleting a passkey: a session ended
// elsewhere (a password reset on another server), still in this server's
// session cache, must not take a way in away.
//
// Errors: not_found, last_login_method, not_authenticated (the caller's
// session ended meanwhile), or the store's. It returns the identity
// removed and its user.
func (h *handlers) removeIdentity(ctx context.Context, caller auth.Principal, identityID string) (*identity, *store.User, error) {
	userID := caller.UserID
	id := new(identity)
	var u *store.User
	err := h.kit.Store.InTx(ctx, func(tx *store.Store) error {
		if err := h.kit.Auth.Sessions.Hold(ctx, tx, caller); err != nil {
			return err
		}
		return h.kit.Auth.WaysIn.Remove(ctx, tx, userID,
			"This is the only way to sign in to your account. Set a password (or add a passkey, or connect another account) before you disconnect it.",
			func() error {
				err := tx.IDB().NewSelect().Model(id).Where("id = ? AND user_id = ?", identityID, userID).Scan(ctx)
				if err := store.MapError(err); errors.Is(err, store.ErrNotFound) {
					return errNoSuchIdentity
				} else if err != nil {
					return err
				}
				if u, err = tx.UserByID(ctx, userID); err != nil {
					return err
				}
				if _, err = tx.IDB().NewDelete().Model(id).WherePK().Exec(ctx); err != nil {
					return store.MapError(err)
				}
				return h.recordIdentityEvent(ctx, tx, sso.EventIdentityDisconnected, id)
			})
	})
	return id, u, err
}

// recordIdentityEvent records, in tx, that an identity was connected or
// disconnected (typ), naming its provider for the owner's activity list.
func (h *handlers) recordIdentityEvent(ctx context.Context, tx *store.Store, typ shared.EventType, id *identity) error {
	return h.kit.Auth.Activity.Record(ctx, tx, auth.Event{Type: typ, UserID: id.UserID,
		Detail: map[string]string{shared.DetailProvider: h.providerName(id.Provider)}})
}

// identityJSON is the wire form of an identity, with its provider's name.
// Stored models never reach encoding/json, so a new column cannot leak.
func identityJSON(id *identity, providerName string) sso.Identity {
	return sso.Identity{ID: id.ID, Provider: id.Provider, ProviderName: providerName,
		Email: id.Email, CreatedAt: id.CreatedAt}
}
