package auth

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/url"
	"time"

	"github.com/authkit/authkit/server/mail"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Lifetimes of mailed links, and throttles of the mailing endpoints.
const (
	PasswordResetTTL    = 30 * time.Minute
	VerifyEmailTTL      = 24 * time.Hour
	resetsPerEmail      = 5  // per hour
	resetsPerClient     = 20 // per hour
	verificationsPerDay = 10 // resends per user
	emailChangesPerDay  = 10 // email change requests per user
	// emailChangesPerAddress bounds the links mailed to one new address
	// per day, whichever accounts ask: accounts are cheap to make, so the
	// limit per account alone would let a few of them bury anyone's
	// mailbox in links (as resetsPerEmail does for resets).
	emailChangesPerAddress = 5
)

// Mailer queues outgoing mail without blocking (mail.Queue).
type Mailer interface {
	Enqueue(mail.Message) bool
}

// Recovery is everything done by mailed link: resetting a forgotten
// password and confirming an email address. Its throttles limit reset
// requests per email and per client, and confirmation mails per user.
type Recovery struct {
	store     *store.Store
	factors   *Factors // reset with the password of an unconfirmed account
	waysIn    *WaysIn  // likewise
	hasher    *Hasher
	users     *userCache
	sessions  *Sessions
	notices   *notifier
	activity  *Activity // records resets and confirmations
	mailer    Mailer
	publicURL string

	resetsByEmail  *throttle // password reset requests per email
	resetsByClient *throttle // password reset requests per client
	verifications  *throttle // confirmation mails per user
	background     background

	clock clock
	log   *slog.Logger
}

func newRecovery(st *store.Store, cfg Config, limits throttles, users *userCache, sessions *Sessions, notices *notifier, activity *Activity) *Recovery {
	return &Recovery{
		store: st, hasher: cfg.Hasher, users: users, sessions: sessions, notices: notices, activity: activity,
		mailer: cfg.Mailer, publicURL: cfg.PublicURL,
		resetsByEmail:  limits.new("reset-email", resetsPerEmail, time.Hour),
		resetsByClient: limits.new("reset-client", resetsPerClient, time.Hour),
		verifications:  limits.new("verify-mail", verificationsPerDay, 24*time.Hour),
		background:     newBackground(64),
		clock:          clock(cfg.Now), log: cfg.Logger,
	}
}

var (
	errMailQueueFull    = errors.New("mail queue full")
	errInvalidMailToken = shared.NewError(shared.CodeInvalidToken, "This link is invalid or has expired. Ask for a new one.")
	acceptedReset       = shared.Accepted{Message: "If an account exists for this email, we sent it a link to reset the password."}
)

// AcceptedReset is the one answer to every password reset request.
func AcceptedReset() shared.Accepted { return acceptedReset }

// RequestPasswordReset mails a reset link if the email has an active
// account. It returns before looking the account up: the lookup and the
// mail happen in the background, so the answer and its timing are the
// same whether or not the account exists. Requests are throttled per email
// and per client, which also reveals nothing.
//
// Errors: validation_failed, rate_limited.
func (r *Recovery) RequestPasswordReset(ctx context.Context, req shared.PasswordResetRequest, client Client) error {
	if err := req.Validate(); err != nil {
		return err
	}
	// A request either limit refuses counts against neither: refused by
	// the address's, it cost the client one of its requests for every
	// address.
	if _, err := reserve(ctx, r.clock.now(), limited{r.resetsByClient, throttledClient(client.IP)}, limited{r.resetsByEmail, req.Email}); err != nil {
		return err
	}
	started := r.background.start(func() {
		testHookChecked("reset-mail")
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := r.mailPasswordReset(ctx, req.Email); err != nil {
			r.log.ErrorContext(ctx, "password reset mail not queued", "err", err)
		}
	})
	if !started {
		r.log.WarnContext(ctx, "too many password resets in progress; request dropped")
	}
	return nil
}

func (r *Recovery) mailPasswordReset(ctx context.Context, email string) error {
	u, err := r.store.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.IsActive) {
		return nil
	}
	if err != nil {
		return err
	}
	secret, err := r.storeLinkSecret(ctx, u, store.PurposePasswordReset, PasswordResetTTL)
	if errors.Is(err, errAddressMoved) {
		return nil // the account has moved to another address meanwhile: nothing for this one
	}
	if err != nil {
		return err
	}
	template := "password_reset"
	if u.PasswordHash == NoPassword { // signed up with a provider: the link sets a first password
		template = "password_set"
	}
	return r.sendLink(template, u, "/reset-password", secret)
}

// ConfirmPasswordReset sets a new password with a mailed token. The token
// works once; all of the user's sessions are revoked, so whoever knew the
// old password is logged out everywhere, and a pending email change is
// cancelled. The owner gets a notice.
//
// Errors: validation_failed, invalid_token.
func (r *Recovery) ConfirmPasswordReset(ctx context.Context, req shared.PasswordResetConfirmRequest) error {
	if err := req.Validate(); err != nil {
		return err
	}
	now := r.clock.now()
	t, err := r.unspentSecret(ctx, store.PurposePasswordReset, req.Token, now)
	if err != nil {
		return err
	}
	u, err := r.store.UserByID(ctx, t.UserID)
	if err != nil {
		return err
	}
	// Check the password against the email before spending the token, so
	// a rejected password does not cost the user their link.
	var f shared.FieldErrors
	if msg := shared.ValidatePassword(req.NewPassword, u.Email); msg != "" {
		f.Add("new_password", msg)
	}
	if err := checkNewPassword(f.Err(), "new_password", req.NewPassword); err != nil {
		return err
	}
	if u.PasswordHash, err = r.hasher.Hash(ctx, req.NewPassword); err != nil {
		return err
	}
	// The mailed link proves the mailbox. On an account whose address was
	// never confirmed, whoever added a passkey, a connected account or a
	// second factor had not proved it: someone who signed up with another
	// person's address first, to keep a way in after the owner takes the
	// account back (pre-hijacking). The reset removes them all, and the
	// address counts as confirmed from now on. So it does on an account a
	// module has marked (UnprovenMark), whose address may have been
	// confirmed after an unproven way in let its holder in.
	unproven := !u.EmailVerified
	u.EmailVerified = true
	err = r.store.InTx(ctx, func(tx *store.Store) error {
		// The account's row first (Sessions.Hold): a credential being
		// added commits before the removals below, or finds its session
		// ended.
		if err := tx.LockUser(ctx, u.ID); err != nil {
			return err
		}
		if err := spendOneTimeSecret(ctx, tx, t, now); err != nil {
			return err
		}
		marked, err := r.waysIn.clearUnproven(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		unproven = unproven || marked
		if err := tx.UpdateUser(ctx, u, "password_hash", "email_verified"); err != nil {
			return err
		}
		if unproven {
			if err := r.factors.resetAll(ctx, tx, u.ID); err != nil {
				return err
			}
			if err := r.waysIn.removeAll(ctx, tx, u.ID); err != nil {
				return err
			}
		}
		if err := voidAccountLinks(ctx, tx, u.ID, now); err != nil {
			return err
		}
		// Logins waiting for their second factor passed the old password
		// (or were started by whoever the reset shuts out): they end with
		// the sessions.
		if err := tx.DeleteMFAChallenges(ctx, u.ID); err != nil {
			return err
		}
		if _, err = tx.RevokeUserSessions(ctx, u.ID, "", now); err != nil {
			return err
		}
		return r.activity.record(ctx, tx, now, Event{Type: shared.EventPasswordReset, UserID: u.ID})
	})
	if err != nil {
		return err
	}
	r.users.changed(ctx, u.ID)
	r.notices.passwordChanged(ctx, u.Name, u.Email, now)
	return nil
}

// VerifyEmail confirms a user's email address with a mailed token.
// caller is who sent it, when signed in (a browser that opens the link
// where it is signed in), else nil. Confirmed from a session of the
// account itself, the address also clears the modules' marks
// (UnprovenMark): whoever holds the account's way in holds the mailbox.
//
// Errors: validation_failed, invalid_token.
func (r *Recovery) VerifyEmail(ctx context.Context, req shared.VerifyEmailRequest, caller *Principal) (*store.User, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	t, err := r.store.OneTimeTokenByHash(ctx, store.PurposeVerifyEmail, hashOneTimeSecret(req.Token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInvalidMailToken
	}
	if err != nil {
		return nil, err
	}
	var u *store.User
	now := r.clock.now()
	err = r.store.InTx(ctx, func(tx *store.Store) error {
		// The account's row before the link's, as ConfirmEmailChange.
		if err := tx.LockUser(ctx, t.UserID); err != nil {
			return err
		}
		if err := spendOneTimeSecret(ctx, tx, t, now); err != nil {
			return err
		}
		if u, err = tx.UserByID(ctx, t.UserID); err != nil {
			return err
		}
		u.EmailVerified = true
		if err := tx.UpdateUser(ctx, u, "email_verified"); err != nil {
			return err
		}
		if caller != nil && caller.UserID == u.ID {
			if _, err := r.waysIn.clearUnproven(ctx, tx, u.ID); err != nil {
				return err
			}
		}
		return r.activity.record(ctx, tx, now, Event{Type: shared.EventEmailConfirmed, UserID: u.ID})
	})
	if err != nil {
		return nil, err
	}
	r.users.changed(ctx, u.ID)
	return u, nil
}

// ResendVerification mails a new confirmation link to the caller, unless
// the address is already confirmed. Throttled per user.
//
// Errors: rate_limited, not_authenticated.
func (r *Recovery) ResendVerification(ctx context.Context, p Principal) error {
	u, err := r.users.active(ctx, p.UserID)
	if err != nil {
		return err
	}
	if u.EmailVerified {
		return nil
	}
	if wait, err := r.verifications.take(ctx, u.ID, r.clock.now()); err != nil || wait > 0 {
		return cmp.Or(err, rateLimited(wait))
	}
	return r.mailVerification(ctx, u)
}

// mailVerification mails u a link that confirms its address, unless the
// account has moved to another one since u was read (which a confirmed
// email change confirms).
func (r *Recovery) mailVerification(ctx context.Context, u *store.User) error {
	secret, err := r.storeLinkSecret(ctx, u, store.PurposeVerifyEmail, VerifyEmailTTL)
	if errors.Is(err, errAddressMoved) {
		return nil
	}
	if err != nil {
		return err
	}
	return r.sendLink("verify_email", u, "/verify-email", secret)
}

// sendLink queues a mail with a link to path carrying the one-time secret.
func (r *Recovery) sendLink(template string, u *store.User, path, secret string) error {
	link := r.publicURL + path + "?token=" + url.QueryEscape(secret)
	m, err := mail.Render(template, u.Email, struct{ Name, Link string }{u.Name, link})
	if err != nil {
		return err
	}
	if !r.mailer.Enqueue(m) {
		return errMailQueueFull
	}
	return nil
}

// PruneThrottles forgets the buckets of the reset and confirmation
// throttles that have refilled; the sweeper calls it.
func (r *Recovery) PruneThrottles() {
	now := r.clock.now()
	r.resetsByEmail.prune(now)
	r.resetsByClient.prune(now)
	r.verifications.prune(now)
}
