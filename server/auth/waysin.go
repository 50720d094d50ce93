package auth

import (
	"context"
	"slices"
	"sync"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// An account must keep a way to sign in. The ways are the core's password
// and whatever login methods the modules bring (a sign-in provider's
// connected accounts, passkeys); each module registers a count of its
// kind when it is mounted, and a module that removes one of its ways in
// (disconnecting an identity, deleting a passkey) does it through
// WaysIn.Remove, which counts every kind without naming any. So neither
// module imports the other, and a fork's login method (a magic link kept
// per address, a hardware token) joins the rule with one Register call.
// A second factor alone (an authenticator app) is no way in and is not
// counted.

// WayInCounter counts one user's ways to sign in of one kind, reading
// within tx (the transaction that is removing one).
type WayInCounter func(ctx context.Context, tx *store.Store, userID string) (int, error)

// WaysIn is the registry of login methods, by kind ("password",
// "identity", "passkey"). Modules register into it from Mount, through
// httpapi.Kit.RegisterWayIn.
type WaysIn struct {
	mu      sync.RWMutex
	kinds   []string
	count   map[string]WayInCounter
	removes []WayInRemover

	unproven []UnprovenMark
}

// WayInRemover removes every way in of one kind that the user has,
// within tx. A password reset of an account whose address was never
// confirmed, or that a module has marked (UnprovenMark), runs them all
// (Recovery.ConfirmPasswordReset): whoever added those had not shown they
// own the mailbox, which the reset has.
type WayInRemover func(ctx context.Context, tx *store.Store, userID string) error

// UnprovenMark clears, within tx, a module's mark on an account it let
// someone into without their showing they own the address, in a way that
// confirming the address from anywhere but a session of the account does
// not cure, and reports whether the account was marked. A sign-in
// provider that makes an account without vouching for its address is
// one: whoever opens the confirmation mail later, the provider account's
// holder was signed in all along, and once the address counts as
// confirmed could add passkeys, an authenticator app or other provider
// accounts. A password reset clears the marks, and treats a marked
// account as one whose address was never confirmed
// (Recovery.ConfirmPasswordReset); so does a confirmation of the address
// from a session of the account itself, whose holder holds the mailbox
// too (Recovery.VerifyEmail).
type UnprovenMark func(ctx context.Context, tx *store.Store, userID string) (marked bool, err error)

// RegisterUnproven adds a module's UnprovenMark.
func (w *WaysIn) RegisterUnproven(clearMark UnprovenMark) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.unproven = append(w.unproven, clearMark)
}

// clearUnproven clears every module's mark on the user's account, within
// tx, and reports whether there was any.
func (w *WaysIn) clearUnproven(ctx context.Context, tx *store.Store, userID string) (bool, error) {
	w.mu.RLock()
	marks := slices.Clone(w.unproven)
	w.mu.RUnlock()
	found := false
	for _, clearMark := range marks {
		marked, err := clearMark(ctx, tx, userID)
		if err != nil {
			return false, err
		}
		found = found || marked
	}
	return found, nil
}

// RegisterRemover adds how to remove every way in of a kind (see
// WayInRemover).
func (w *WaysIn) RegisterRemover(remove WayInRemover) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.removes = append(w.removes, remove)
}

// removeAll runs every registered remover for the user, within tx.
func (w *WaysIn) removeAll(ctx context.Context, tx *store.Store, userID string) error {
	w.mu.RLock()
	removes := slices.Clone(w.removes)
	w.mu.RUnlock()
	for _, remove := range removes {
		if err := remove(ctx, tx, userID); err != nil {
			return err
		}
	}
	return nil
}

func newWaysIn() *WaysIn {
	w := &WaysIn{count: map[string]WayInCounter{}}
	w.Register(MethodPassword, countPassword)
	return w
}

// countPassword is the core's own way in: a password, or none (an account
// made by a sign-in provider).
func countPassword(ctx context.Context, tx *store.Store, userID string) (int, error) {
	u, err := tx.UserByID(ctx, userID)
	if err != nil || u.PasswordHash == NoPassword {
		return 0, err
	}
	return 1, nil
}

// Register adds a kind of way in. Its name must be unique; registering
// one twice (a module mounted twice) panics at start-up.
func (w *WaysIn) Register(kind string, count WayInCounter) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, taken := w.count[kind]; taken {
		panic("auth: way in " + kind + " registered twice")
	}
	w.kinds = append(w.kinds, kind)
	w.count[kind] = count
}

// Count returns how many ways the user has to sign in, of every kind
// registered, reading within tx.
func (w *WaysIn) Count(ctx context.Context, tx *store.Store, userID string) (int, error) {
	w.mu.RLock()
	counters := make([]WayInCounter, 0, len(w.kinds))
	for _, kind := range w.kinds {
		counters = append(counters, w.count[kind])
	}
	w.mu.RUnlock()
	total := 0
	for _, count := range counters {
		n, err := count(ctx, tx, userID)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// Remove runs remove, which takes one of the user's ways in away within
// tx, and refuses it when it would leave the account no way to sign in:
// it then answers last_login_method with message (which says what to do
// first, in the module's words), and the caller's transaction rolls the
// removal back. Errors of remove itself (not_found) pass through as they
// are.
//
// On PostgreSQL it first locks the user's row, so two removals at once
// (two tabs deleting the last two passkeys) take turns rather than each
// counting the other's way in; SQLite's transactions take turns already.
func (w *WaysIn) Remove(ctx context.Context, tx *store.Store, userID, message string, remove func() error) error {
	if err := tx.LockUser(ctx, userID); err != nil {
		return err
	}
	if err := remove(); err != nil {
		return err
	}
	left, err := w.Count(ctx, tx, userID)
	if err != nil {
		return err
	}
	if left == 0 {
		return shared.NewError(shared.CodeLastLoginMethod, message)
	}
	return nil
}
