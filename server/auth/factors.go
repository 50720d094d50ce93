package auth

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/authkit/authkit/server/store"
)

// Login methods and second factors plug into the core here, as Ory
// Kratos's strategies do: a module that offers a second factor (an
// authenticator app's codes, recovery codes, a passkey) registers a
// SecondFactor when it is mounted, and the login flow loops over the
// registered ones without naming any. A session records how it was
// signed in: the first step's method, joined to the second factor's with
// "+" ("password+totp").

// The sign-in methods the core knows. Modules add their own names.
const (
	MethodPassword = "password" // email and password
	MethodPasskey  = "passkey"  // a discoverable passkey with user verification
	MethodExternal = "external" // Sessions.Start: a fork's own login (API.LogIn)
)

// Proof is what a person offers as a second factor: a code they type, or
// a passkey's assertion (PublicKeyCredential.toJSON()).
type Proof struct {
	Code       string
	Credential json.RawMessage
}

// SecondFactor is one kind of second factor, as a module provides it.
type SecondFactor interface {
	// Method names the factor in "methods" and in session methods
	// ("totp", "recovery_code", "passkey").
	Method() string
	// Gates reports whether a user who has set this factor up must give
	// a second factor at every login (an authenticator app does; a
	// passkey, which is a login method of its own, does not).
	Gates() bool
	// Offered reports whether the user can answer a second step with it
	// now (the app is on; recovery codes are left; a passkey exists).
	// A factor set up but unusable is an error wrapping
	// ErrFactorUnavailable: the login then leaves it out.
	Offered(ctx context.Context, u *store.User) (bool, error)
	// Verify checks a proof for the user. A wrong proof (or one of
	// another kind, such as a credential given to a code factor) is
	// false with no error. A right one is spent by Verify itself (the
	// time step, the recovery code), so it never works twice. A proof of
	// its kind that it cannot check because the factor is unusable is an
	// error wrapping ErrFactorUnavailable: the other factors still get
	// the proof, and if none takes it, the answer is invalid_code.
	Verify(ctx context.Context, u *store.User, proof Proof) (bool, error)
	// Reset removes whatever the user set up, within tx (a superuser's
	// reset of a user's second factors).
	Reset(ctx context.Context, tx *store.Store, userID string) error
}

// ErrFactorUnavailable marks a factor the user has set up that the server
// cannot use now: its stored secret does not open (the key encryption key
// changed since it was sealed, or the row is damaged). That is the
// operator's problem, not the user's: the core logs it at ERROR and goes
// on without the factor, so one broken method does not lock the account
// out of its others (recovery codes, a passkey), and it never becomes a
// 500 that a person can do nothing about.
var ErrFactorUnavailable = errors.New("auth: second factor unavailable")

// Factors is the registry of second factors, and the second step of
// logins (mfa.go). Modules register into it from Mount, through
// httpapi.Kit.RegisterSecondFactor.
type Factors struct {
	mu      sync.RWMutex
	factors []SecondFactor

	store    *store.Store
	sessions *Sessions
	users    *userCache
	// guess runs a check of a secret offered for an account under the
	// account's guess throttle (Accounts.AccountSecretCheck).
	guess func(ctx context.Context, userID string, check func(context.Context) (bool, error)) (bool, error)
	clock clock
	log   *slog.Logger
}

// Register adds a factor. Its method must be unique; registering one
// twice (a module mounted twice) panics at start-up.
func (f *Factors) Register(sf SecondFactor) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, have := range f.factors {
		if have.Method() == sf.Method() {
			panic("auth: second factor " + sf.Method() + " registered twice")
		}
	}
	f.factors = append(f.factors, sf)
}

// registered returns the factors in the order they were registered.
func (f *Factors) registered() []SecondFactor {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return slices.Clone(f.factors)
}

// resetAll removes every second factor of the user, within tx: each
// registered factor's own data (Reset), the user's record of them and any
// login waiting for one. The user's row is locked first, as the
// transactions that add a factor lock it (Sessions.Hold): with the same
// order everywhere, two of them wait for each other rather than deadlock.
func (f *Factors) resetAll(ctx context.Context, tx *store.Store, userID string) error {
	if err := tx.LockUser(ctx, userID); err != nil {
		return err
	}
	for _, sf := range f.registered() {
		if err := sf.Reset(ctx, tx, userID); err != nil {
			return err
		}
	}
	if err := tx.SetUserFactors(ctx, userID, ""); err != nil {
		return err
	}
	return tx.DeleteMFAChallenges(ctx, userID)
}

// Mark records, within tx, that the user has (on) or no longer has a
// factor set up, in users.factors. Call Changed once tx has committed, so
// every cached copy of the user is read again. It locks the user's row
// before reading the set (store.LockUser), so two marks at once (an app
// turned off while a passkey is added) cannot each write back a set that
// lacks the other's change. Lock it yourself at the start of tx
// (Sessions.Hold when adding a factor, store.LockUser when removing one),
// before your module's rows: transactions that take the account's row
// after another row can deadlock with those that take it first.
func (f *Factors) Mark(ctx context.Context, tx *store.Store, userID, method string, on bool) error {
	if err := tx.LockUser(ctx, userID); err != nil {
		return err
	}
	u, err := tx.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	set := FactorsOf(u)
	if has := slices.Contains(set, method); has == on {
		return nil
	}
	if on {
		set = append(set, method)
	} else {
		set = slices.DeleteFunc(set, func(m string) bool { return m == method })
	}
	slices.Sort(set)
	return tx.SetUserFactors(ctx, userID, strings.Join(set, " "))
}

// Changed drops the cached copies of a user after a factor changed, here
// and on the other instances.
func (f *Factors) Changed(ctx context.Context, userID string) { f.users.changed(ctx, userID) }

// FactorsOf lists the factors a user has set up (users.factors).
func FactorsOf(u *store.User) []string { return strings.Fields(u.Factors) }

// Gated reports whether the user must give a second factor after the
// first step: one of their set-up factors gates the login. A login
// method that would act on the account at its first step (a sign-in
// provider connecting itself by a verified address) asks first.
func (f *Factors) Gated(u *store.User) bool { return f.gated(u) }

// gated is Gated.
func (f *Factors) gated(u *store.User) bool {
	set := FactorsOf(u)
	for _, sf := range f.registered() {
		if sf.Gates() && slices.Contains(set, sf.Method()) {
			return true
		}
	}
	return false
}

// offered lists the methods the user can answer a second step with.
func (f *Factors) offered(ctx context.Context, u *store.User) ([]string, error) {
	var methods []string
	for _, sf := range f.registered() {
		ok, err := sf.Offered(ctx, u)
		if errors.Is(err, ErrFactorUnavailable) {
			f.unavailable(ctx, u, sf, err)
			continue
		}
		if err != nil {
			return nil, err
		}
		if ok {
			methods = append(methods, sf.Method())
		}
	}
	return methods, nil
}

// unavailable logs a factor that could not be used for u
// (ErrFactorUnavailable), with the real error, for the operator.
func (f *Factors) unavailable(ctx context.Context, u *store.User, sf SecondFactor, err error) {
	f.log.ErrorContext(ctx, "a second factor cannot be used; the login goes on without it",
		"method", sf.Method(), "user_id", u.ID, "err", err)
}
