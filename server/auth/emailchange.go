package auth

import (
	"context"
	"errors"
	"net/url"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Changing an account's email address: the owner asks, giving their
// password or from a recent session (confirmOwner); the new address gets
// a link and the old one a notice; nothing changes until the link is
// opened, which proves the new address is theirs (OWASP ASVS 2.5: no change of a recovery channel without
// re-authentication and a notice).

// RequestEmailChange mails a link to req.NewEmail that moves the caller's
// account there (valid shared.EmailChangeTTL, single-use, stored hashed;
// a newer request voids it), and a notice to the current address.
// The caller proves who they are first (confirmOwner): the password,
// checked under the account's guess throttle, or a recent session. The
// requests that pass are throttled per account (10 a day), which bounds
// the mail sent and the addresses one account can probe: only this
// re-authenticated caller learns that an address is taken, which is what
// the form needs. They are throttled per new address too (5 a day,
// whatever the account), so that many accounts cannot flood one mailbox
// with links.
//
// Errors: validation_failed, wrong_password, reauth_required,
// email_taken, rate_limited, not_authenticated.
func (a *Accounts) RequestEmailChange(ctx context.Context, p Principal, req shared.ChangeEmailRequest) error {
	u, err := a.users.fresh(ctx, p.UserID)
	if err != nil {
		return err
	}
	if err := req.Validate(u.Email); err != nil {
		return err
	}
	if err := a.confirmOwner(ctx, p, u, req.CurrentPassword); err != nil {
		return err
	}
	// A token of the account's bucket and of the new address's, before
	// the address is looked up, so a taken address and a free one are
	// refused alike once either is spent; one refused gives the other
	// back (reserve).
	now := a.clock.now()
	if _, err := reserve(ctx, now, limited{a.emailChanges, u.ID}, limited{a.emailTargets, req.NewEmail}); err != nil {
		return err
	}
	if _, err := a.store.UserByEmail(ctx, req.NewEmail); err == nil {
		return &shared.Error{Code: shared.CodeEmailTaken, Message: "Another account uses this email address.",
			Fields: map[string]string{"new_email": "Another account uses this email address."}}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	secret, hash := newOneTimeSecret()
	testHookChecked("request-email-change")
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		// The session must still be live: a password reset that ended
		// it while the password was being checked voided the account's
		// links, and this one must not outlive it (Sessions.Hold).
		if err := a.sessions.Hold(ctx, tx, p); err != nil {
			return err
		}
		err := tx.CreateOneTimeToken(ctx, &store.OneTimeToken{
			ID: newID(), UserID: u.ID, Purpose: store.PurposeEmailChange, TokenHash: hash,
			CreatedAt: now, ExpiresAt: now.Add(shared.EmailChangeTTL), Payload: req.NewEmail,
		})
		if err != nil {
			return err
		}
		return a.activity.record(ctx, tx, now, Event{Type: shared.EventEmailChangeRequested, UserID: u.ID,
			Detail: map[string]string{shared.DetailEmail: req.NewEmail}})
	})
	if err != nil {
		return err
	}
	link := a.notices.publicURL + "/confirm-email?token=" + url.QueryEscape(secret)
	if err := a.notices.queue("email_change", req.NewEmail, struct{ Name, Link string }{u.Name, link}); err != nil {
		return err // the request is recorded, but without its mail it cannot complete: say so
	}
	a.notices.emailChanging(ctx, u.Name, u.Email, u.EmailVerified, req.NewEmail)
	return nil
}

// ConfirmEmailChange moves the account to the address a link was mailed
// to, now confirmed, and ends every other session: caller, when the
// request comes from a session of this same account, keeps its own.
// Links mailed to the old address (resets, confirmations) stop working.
//
// Errors: validation_failed, invalid_token, email_taken (the address was
// taken meanwhile).
func (r *Recovery) ConfirmEmailChange(ctx context.Context, req shared.ConfirmEmailChangeRequest, caller *Principal) (*store.User, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	now := r.clock.now()
	t, err := r.unspentSecret(ctx, store.PurposeEmailChange, req.Token, now)
	if err != nil {
		return nil, err
	}
	keep := ""
	if caller != nil && caller.UserID == t.UserID {
		keep = caller.SessionID
	}
	var u *store.User
	var revoked []string
	err = r.store.InTx(ctx, func(tx *store.Store) error {
		// The account's row before the link's (store.LockUser): a reset
		// locks it, then voids this very link.
		if err := tx.LockUser(ctx, t.UserID); err != nil {
			return err
		}
		if err := spendOneTimeSecret(ctx, tx, t, now); err != nil {
			return err
		}
		if u, err = tx.UserByID(ctx, t.UserID); err != nil {
			return err
		}
		if !u.IsActive {
			return errInvalidMailToken
		}
		old := u.Email
		u.Email, u.EmailVerified = t.Payload, true
		if err := tx.UpdateUser(ctx, u, "email", "email_verified"); err != nil {
			return err
		}
		for _, purpose := range []string{store.PurposePasswordReset, store.PurposeVerifyEmail, store.PurposeEmailChange} {
			if err := tx.InvalidateOneTimeTokens(ctx, u.ID, purpose, now); err != nil {
				return err
			}
		}
		if revoked, err = tx.RevokeUserSessions(ctx, u.ID, keep, now); err != nil {
			return err
		}
		return r.activity.record(ctx, tx, now, Event{Type: shared.EventEmailChanged, UserID: u.ID,
			Detail: map[string]string{shared.DetailEmail: u.Email, shared.DetailFrom: old}})
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, &shared.Error{Code: shared.CodeEmailTaken, Message: "Another account took this email address meanwhile. Ask for the change again with another address.",
			Fields: map[string]string{"token": "Another account uses this email address now."}}
	}
	if err != nil {
		return nil, err
	}
	r.sessions.live.revoke(revoked...)
	r.users.changed(ctx, u.ID)
	return u, nil
}
