package sso

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
	"github.com/authkit/authkit/shared/sso"
)

// What a verified person means for accounts. The rules, in order:
//
//  1. A provider account seen before (its provider and subject are
//     connected to a user) signs that user in, whatever its email says
//     now: emails change hands, subjects do not.
//  2. A new provider account whose email has no account gets a new
//     account: no password, the email verified when the provider vouches
//     for it.
//  3. A new provider account whose email has an account is connected to
//     it only when the provider has verified the address *and* the
//     account has, and the account is not one a provider made without
//     vouching for its address (unvouched.go), which stays unproven even
//     once the address is confirmed, and the account asks for no second
//     factor (an authenticator app): the provider's sign-in is a first
//     step only, and a connection made before the second would outlast
//     it. Otherwise the answer is account_exists. This stops account pre-hijacking: someone who
//     registers the victim's address here before the victim (unverified),
//     or who claims it at a provider that does not verify addresses,
//     gains nothing.
//  4. A deactivated account cannot come back this way (account_disabled),
//     and a refused sign-in changes nothing: not the connection's address,
//     not the account's unvouched mark.

// errAccountDisabled is the failure of a deactivated account.
var errAccountDisabled = fail(sso.FailureAccountDisabled, errors.New("the account is deactivated"))

// signInResult is the account a sign-in leads to, and what happened to
// get there.
type signInResult struct {
	user      *store.User
	created   bool      // a new account
	connected *identity // a provider account newly connected to an existing account
}

// resolve finds or makes the account of a verified person (the rules
// above), in one transaction. Two first sign-ins of one person at once
// race on the unique indexes; the loser tries again and finds the
// winner's rows.
//
// Errors: email_missing, account_exists, account_disabled (each a
// *failure), or the store's.
func (h *handlers) resolve(ctx context.Context, p provider, who person) (signInResult, error) {
	var res signInResult
	var err error
	for range 2 {
		res, err = h.resolveOnce(ctx, p, who)
		if !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	return res, err
}

func (h *handlers) resolveOnce(ctx context.Context, p provider, who person) (res signInResult, err error) {
	now := h.kit.Now().UTC()
	email := shared.NormalizeEmail(who.Email)
	if who.EmailVerified && !staysOutOfASCII(who.Email) {
		who.EmailVerified = false
	}
	err = h.kit.Store.InTx(ctx, func(tx *store.Store) error {
		known, err := identityBySubject(ctx, tx, p.ID(), who.Subject)
		switch {
		case err == nil: // rule 1
			if res.user, err = tx.UserByID(ctx, known.UserID); err != nil {
				return err
			}
			if !res.user.IsActive { // rule 4, before anything is saved
				return errAccountDisabled
			}
			if who.EmailVerified {
				if err := vouchedFor(ctx, tx, res.user, email); err != nil {
					return err
				}
			}
			return refreshEmail(ctx, tx, known, email)
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		if email == "" || shared.ValidateEmail(email) != "" {
			return fail(sso.FailureEmailMissing, errors.New("the provider gave no usable email address"))
		}
		res.user, err = tx.UserByEmail(ctx, email)
		switch {
		case errors.Is(err, store.ErrNotFound): // rule 2
			res.user, res.created = newAccount(email, who, now), true
			if err := tx.CreateUser(ctx, res.user); err != nil {
				return err
			}
			if !who.EmailVerified {
				if err := markUnvouched(ctx, tx, res.user, now); err != nil {
					return err
				}
			}
			// As registration records it, with the provider as the method.
			if err := h.kit.Auth.Activity.Record(ctx, tx, auth.Event{Type: shared.EventAccountCreated,
				UserID: res.user.ID, Detail: map[string]string{shared.DetailMethod: p.ID()}}); err != nil {
				return err
			}
		case err != nil:
			return err
		case !who.EmailVerified || !res.user.EmailVerified: // rule 3
			return fail(sso.FailureAccountExists, errors.New("unverified email on one side; not connected"))
		case !res.user.IsActive:
			return errAccountDisabled
		default:
			// An account a provider made without vouching for its address
			// counts as unconfirmed here, as it does for a reset, whoever
			// confirmed the address since.
			marked, err := isUnvouched(ctx, tx, res.user.ID)
			if err != nil {
				return err
			}
			if marked {
				return fail(sso.FailureAccountExists, errors.New("the account was made without a provider vouching for its address; not connected"))
			}
			// The provider's sign-in is only a first step: with a second
			// factor to follow, connecting now would leave a way in that
			// outlives a second step nobody passed.
			if h.kit.Auth.Factors.Gated(res.user) {
				return fail(sso.FailureAccountExists, errors.New("the account has a second factor; not connected before it is given"))
			}
		}
		res.connected = newIdentity(res.user.ID, p.ID(), who.Subject, email, now)
		if err := insertIdentity(ctx, tx, res.connected); err != nil || res.created {
			return err
		}
		return h.recordIdentityEvent(ctx, tx, sso.EventIdentityConnected, res.connected)
	})
	if res.created {
		res.connected = nil // nothing to tell: the account is new
	}
	return res, err
}

// connect connects a verified person's provider account to the user who
// started the attempt, if that user's session is still live. Connecting
// an account that is already the user's changes nothing.
//
// Errors: login_required, identity_taken (each a *failure), or the
// store's. It returns the new identity, nil when there was none.
func (h *handlers) connect(ctx context.Context, p provider, a *attempt, who person) (*identity, error) {
	now := h.kit.Now().UTC()
	var added *identity
	err := h.kit.Store.InTx(ctx, func(tx *store.Store) error {
		err := h.kit.Auth.Sessions.Hold(ctx, tx, auth.Principal{UserID: a.UserID, SessionID: a.SessionID})
		if auth.SessionEnded(err) {
			return fail(sso.FailureLoginRequired, errors.New("the session that asked to connect has ended"))
		}
		if err != nil {
			return err
		}
		known, err := identityBySubject(ctx, tx, p.ID(), who.Subject)
		switch {
		case err == nil && known.UserID == a.UserID:
			return refreshEmail(ctx, tx, known, shared.NormalizeEmail(who.Email))
		case err == nil:
			return fail(sso.FailureIdentityTaken, errors.New("the provider account is another user's"))
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		added = newIdentity(a.UserID, p.ID(), who.Subject, shared.NormalizeEmail(who.Email), now)
		if err := insertIdentity(ctx, tx, added); err != nil {
			return err
		}
		return h.recordIdentityEvent(ctx, tx, sso.EventIdentityConnected, added)
	})
	if errors.Is(err, store.ErrConflict) { // connected elsewhere at this very moment
		return nil, fail(sso.FailureIdentityTaken, err)
	}
	return added, err
}

// newAccount is the account of a newcomer: no password (auth.NoPassword:
// the profile offers to set one by the reset mail), the email verified
// when the provider says so.
func newAccount(email string, who person, now time.Time) *store.User {
	return &store.User{
		ID: uuid.Must(uuid.NewV7()).String(), Email: email, Name: displayName(who.Name, email),
		PasswordHash: auth.NoPassword, IsActive: true, DateJoined: now, EmailVerified: who.EmailVerified,
	}
}

// displayName is the provider's name for the person when it passes the
// kit's rule for names (shortened to fit), else the email's local part.
func displayName(name, email string) string {
	name = shared.NormalizeName(name)
	for utf8.RuneCountInString(name) > shared.MaxNameLength {
		_, size := utf8.DecodeLastRuneInString(name)
		name = strings.TrimSpace(name[:len(name)-size])
	}
	if name != "" && shared.ValidateName(name) == "" {
		return name
	}
	local, _, _ := strings.Cut(email, "@")
	if shared.ValidateName(local) == "" {
		return local
	}
	return "New user"
}

// staysOutOfASCII reports whether shared.NormalizeEmail keeps every
// character of the address that is not ASCII out of ASCII. A few become
// ASCII: lower-casing turns the Kelvin sign K into k (and the dotted
// capital I into i and a combining dot), and NFC the Greek varia into a
// grave accent. A provider that vouched for such an address checked
// another mailbox than the one the kit would store, so its vouching does
// not carry over (the kind of collision that let GitHub's password reset
// mail a lookalike address).
func staysOutOfASCII(address string) bool {
	for _, r := range address {
		if r < utf8.RuneSelf {
			continue
		}
		for _, l := range shared.NormalizeEmail(string(r)) {
			if l < utf8.RuneSelf {
				return false
			}
		}
	}
	return true
}
