package auth

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// The second step of a login. A first step that identifies a user (the
// password, an OIDC callback) asks Challenge; for a user with a gating
// factor it gets a single-use token and the methods to answer with,
// instead of a session. Complete then spends the token with a second
// factor and starts the session. The token is stored only as its
// SHA-256, lives MFATokenTTL and allows MFAMaxAttempts codes, each
// counted before it is checked; code checks are throttled per account
// as passwords are, and a code the throttle refuses unchecked is given
// back.

// Limits of the second step.
const (
	MFATokenTTL    = 5 * time.Minute
	MFAMaxAttempts = 5
)

var errMFAExpired = shared.NewError(shared.CodeNotAuthenticated, "This sign-in has expired or was already used. Please log in again.")

// invalidCode is the answer to a wrong second factor. At the login's
// second step it is a 401 (the caller is not logged in); on a form of a
// signed-in user, a 400.
func invalidCode(status int) error {
	return &shared.Error{
		Code: shared.CodeInvalidCode, Message: "That code is not right, or it was already used.",
		Fields:     map[string]string{"code": "That code is not right, or it was already used. Check it and try again."},
		HTTPStatus: status,
	}
}

// uncheckableCode answers a code that only a factor the server cannot
// use now (ErrFactorUnavailable) could have checked: invalid_code, as a
// wrong one, with the way out in its words.
func uncheckableCode(status int) error {
	msg := "That kind of code cannot be checked right now. Use another way, such as a recovery code, or ask an administrator to reset your second factors."
	return &shared.Error{
		Code: shared.CodeInvalidCode, Message: msg, Fields: map[string]string{"code": msg}, HTTPStatus: status,
	}
}

// MFARequired is the error a first step answers with when a second
// factor must follow: mfa_required, carrying the challenge.
func MFARequired(ch *shared.MFAChallenge) error {
	return &shared.Error{
		Code:      shared.CodeMFARequired,
		Message:   "Your password was right. To finish signing in, give your second factor.",
		Challenge: ch,
	}
}

// Challenge starts the second step for u, who passed a first step by
// method, or returns nil when u has no gating factor and may sign in at
// once. The challenge lists the methods u can answer with.
func (f *Factors) Challenge(ctx context.Context, u *store.User, method string) (*shared.MFAChallenge, error) {
	if !f.gated(u) {
		return nil, nil
	}
	methods, err := f.offered(ctx, u)
	if err != nil {
		return nil, err
	}
	if len(methods) == 0 {
		// Every factor set up is unavailable (logged by offered): a second
		// step could only fail, so none is started, and the account stays
		// closed until the operator mends the server or staff reset it.
		return nil, errNoFactorAvailable
	}
	now := f.clock.now()
	token := randomSecret()
	c := &store.MFAChallenge{
		ID: newID(), UserID: u.ID, TokenHash: secretHash(token), AuthMethod: method,
		CreatedAt: now, ExpiresAt: now.Add(MFATokenTTL),
	}
	// As a session would (Sessions.StartVia), the token must not outlive
	// a reset or deactivation that landed after the first step.
	err = f.store.InTx(ctx, func(tx *store.Store) error {
		if err := stillMaySignIn(ctx, tx, u, method); err != nil {
			return err
		}
		return tx.CreateMFAChallenge(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	return &shared.MFAChallenge{MFAToken: token, Methods: methods}, nil
}

// errNoFactorAvailable answers a right password when none of the
// account's second factors can be checked.
var errNoFactorAvailable = shared.NewError(shared.CodeUnavailable,
	"Your account's second step cannot be checked at the moment. Ask the site's administrator for help.")

// Complete spends an mfa_token with a second factor and starts the
// session, recorded as signed in by the first step's method and the
// factor's ("password+totp"). The answers never tell whether the first
// step was the problem: an unknown, spent, expired or exhausted token is
// not_authenticated, a wrong code invalid_code (401).
//
// Errors: validation_failed, not_authenticated, invalid_code,
// rate_limited.
func (f *Factors) Complete(ctx context.Context, req shared.MFALoginRequest, client Client) (*store.User, Issued, error) {
	if err := req.Validate(); err != nil {
		return nil, Issued{}, err
	}
	now := f.clock.now()
	c, err := f.store.ClaimMFAAttempt(ctx, secretHash(req.MFAToken), now, MFAMaxAttempts)
	if errors.Is(err, store.ErrNotFound) {
		return nil, Issued{}, errMFAExpired
	}
	if err != nil {
		return nil, Issued{}, err
	}
	testHookChecked("mfa-claimed")
	u, err := f.store.UserByID(ctx, c.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.IsActive) {
		return nil, Issued{}, errMFAExpired
	}
	if err != nil {
		return nil, Issued{}, err
	}
	method, err := f.verify(ctx, u, Proof{Code: req.Code, Credential: req.Credential}, http.StatusUnauthorized)
	if apiErr, ok := errors.AsType[*shared.Error](err); ok && apiErr.Code == shared.CodeRateLimited {
		// The throttle refused the code unchecked: it is no attempt, and
		// the token keeps it for when the throttle has room again. (At
		// worst, if this write fails, the refusal costs one.)
		f.store.ReleaseMFAAttempt(context.WithoutCancel(ctx), c.ID) //nolint:errcheck // see above
	}
	if err != nil {
		return nil, Issued{}, err
	}
	testHookChecked("mfa-verified")
	// The token is spent in the transaction that starts the session, the
	// account's row locked (stillMaySignIn): a reset, a password change or
	// a reset of the factors deletes the logins in progress under the same
	// lock, so one that landed since the token was claimed leaves nothing
	// to spend, whatever the first step was (a password's change shows in
	// its hash too, a provider account's or a passkey's removal only
	// here). Of two requests completing one token, one spends it.
	spend := WithFirstStep(ctx, func(ctx context.Context, tx *store.Store) error {
		spent, err := tx.SpendMFAChallenge(ctx, c.ID, f.clock.now())
		if err == nil && !spent {
			err = errMFAExpired
		}
		return err
	})
	issued, err := f.sessions.StartVia(spend, u, client, c.AuthMethod+"+"+method)
	if errors.Is(err, errInvalidCredentials) {
		// A deactivation or a password change landed since the account
		// was read (stillMaySignIn): the login this token carried is
		// over, as if the change had deleted the token first.
		return nil, Issued{}, errMFAExpired
	}
	if err != nil {
		return nil, Issued{}, err
	}
	return u, issued, nil
}

// verify checks a proof against each registered factor and returns the
// method of the one that took it. The check runs under the account's
// guess throttle, shared with the account's other secrets
// (Accounts.AccountSecretCheck): a token is held while it runs and given
// back when the proof is right, so only failures count (as for
// passwords) and parallel guesses cannot outrun it. A wrong proof is
// invalid_code with the given status. A factor that cannot check the
// proof (ErrFactorUnavailable) is logged and skipped; if no other factor
// takes the proof, it is invalid_code too, saying so, and it counts as a
// failure: a proof no factor accepted never refunds the throttle.
func (f *Factors) verify(ctx context.Context, u *store.User, proof Proof, status int) (string, error) {
	proof.Code = shared.NormalizeCode(proof.Code)
	var method string
	unusable := false
	ok, err := f.guess(ctx, u.ID, func(ctx context.Context) (bool, error) {
		for _, sf := range f.registered() {
			ok, err := sf.Verify(ctx, u, proof)
			if errors.Is(err, ErrFactorUnavailable) {
				f.unavailable(ctx, u, sf, err)
				unusable = true
				continue
			}
			if err != nil || ok {
				method = sf.Method()
				return ok, err
			}
		}
		return false, nil
	})
	switch {
	case err != nil:
		return "", err
	case !ok && unusable:
		return "", uncheckableCode(status)
	case !ok:
		return "", invalidCode(status)
	}
	return method, nil
}

// VerifySecondFactor checks a proof from a signed-in user, for a module
// action that wants one (turning an authenticator app off with a code).
// It spends the proof like a login does.
//
// Errors: invalid_code (400), rate_limited.
func (f *Factors) VerifySecondFactor(ctx context.Context, u *store.User, proof Proof) (string, error) {
	return f.verify(ctx, u, proof, http.StatusBadRequest)
}
