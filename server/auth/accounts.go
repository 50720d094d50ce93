package auth

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Accounts registers users and checks their passwords, and lets them read
// and change their own account (profile.go). Its throttles limit login
// attempts per account and client and per client, guesses at a signed-in
// account's secrets per account, and registrations per client.
type Accounts struct {
	store        *store.Store
	hasher       *Hasher
	sessions     *Sessions
	users        *userCache
	factors      *Factors  // the second step of logins (set by New)
	recovery     *Recovery // mails the confirmation link on registration
	activity     *Activity // records the account's events
	notices      *notifier
	logins       *throttle     // failed logins per account+client
	loginClients *throttle     // failed logins per client, across accounts
	guesses      *throttle     // wrong secrets per signed-in account (AccountSecretCheck)
	registers    *throttle     // registrations per client
	emailChanges *throttle     // email change links mailed per account
	emailTargets *throttle     // email change links mailed per new address, whatever the account
	nameChanges  *throttle     // name changes per account
	reauthWindow time.Duration // how recent a session must be to stand in for the password (confirmOwner)
	clock        clock
	log          *slog.Logger
	stats        *stats // login outcomes, for the metrics
}

// loginWindow is the window of the login and guess throttles.
const loginWindow = 15 * time.Minute

func newAccounts(st *store.Store, cfg Config, limits throttles, sessions *Sessions, users *userCache, recovery *Recovery, activity *Activity, notices *notifier, counts *stats) *Accounts {
	return &Accounts{
		store: st, hasher: cfg.Hasher, sessions: sessions, users: users, recovery: recovery,
		activity: activity, notices: notices, stats: counts,
		logins:       limits.new("login", cfg.LoginThrottle, loginWindow),
		loginClients: limits.new("login-client", cfg.LoginClientThrottle, loginWindow),
		guesses:      limits.new("account-secret", cfg.LoginThrottle, loginWindow),
		registers:    limits.new("register", cfg.RegisterThrottle, time.Minute),
		emailChanges: limits.new("email-change", emailChangesPerDay, 24*time.Hour),
		emailTargets: limits.new("email-change-to", emailChangesPerAddress, 24*time.Hour),
		nameChanges:  limits.new("name-change", nameChangesPerHour, time.Hour),
		reauthWindow: cfg.ReauthWindow,
		clock:        clock(cfg.Now), log: cfg.Logger,
	}
}

// Register creates an account and logs it in on a new session.
//
// Errors: validation_failed, email_taken, rate_limited (per client).
func (a *Accounts) Register(ctx context.Context, req shared.RegisterRequest, client Client) (*store.User, Issued, error) {
	if err := checkNewPassword(req.Validate(), "password", req.Password); err != nil {
		return nil, Issued{}, err
	}
	if wait, err := a.registers.take(ctx, throttledClient(client.IP), a.clock.now()); err != nil || wait > 0 {
		return nil, Issued{}, cmp.Or(err, rateLimited(wait))
	}
	hash, err := a.hasher.Hash(ctx, req.Password)
	if err != nil {
		return nil, Issued{}, err
	}
	now := a.clock.now()
	u := &store.User{
		ID: newID(), Email: req.Email, Name: req.Name, PasswordHash: hash,
		IsActive: true, DateJoined: now, LastLogin: &now,
	}
	var issued Issued
	ctx = WithClient(ctx, client)
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if issued, err = a.sessions.start(ctx, tx, u, client, MethodPassword); err != nil {
			return err
		}
		return a.activity.record(ctx, tx, now, Event{Type: shared.EventAccountCreated, UserID: u.ID,
			Detail: methodDetail("password")})
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, Issued{}, &shared.Error{
			Code:    shared.CodeEmailTaken,
			Message: "An account with this email already exists.",
			Fields:  map[string]string{"email": "An account with this email already exists. Try logging in."},
		}
	}
	if err != nil {
		return nil, Issued{}, err
	}
	a.sessions.started(ctx, issued)
	if err := a.recovery.mailVerification(ctx, u); err != nil {
		// The account exists and works; the user can ask for another mail.
		a.log.Log(ctx, store.LogLevel(err), "confirmation mail not queued", "user_id", u.ID, "err", err)
	}
	return u, issued, nil
}

// Login checks an email and password and starts a session.
//
// Unknown emails, wrong passwords and inactive accounts all return
// invalid_credentials after the same amount of hashing work, so neither
// the answer nor its timing tells whether an account exists (OWASP ASVS
// 2.2). Failures are throttled per account and client. A user with a
// gating second factor gets no session but mfa_required, whose
// challenge (the error's Challenge) Factors.Complete finishes.
//
// Errors: validation_failed, invalid_credentials, rate_limited,
// mfa_required.
func (a *Accounts) Login(ctx context.Context, req shared.LoginRequest, client Client) (*store.User, Issued, error) {
	u, err := a.CheckPassword(ctx, req, client)
	if err != nil {
		return nil, Issued{}, err
	}
	ch, err := a.factors.Challenge(ctx, u, MethodPassword)
	if err != nil {
		return nil, Issued{}, err
	}
	if ch != nil {
		return nil, Issued{}, MFARequired(ch)
	}
	issued, err := a.sessions.StartVia(ctx, u, client, MethodPassword)
	if err != nil {
		return nil, Issued{}, err
	}
	return u, issued, nil
}

// CheckPassword authenticates an email and password without starting a
// session, with Login's throttling and uniform failures. A hash made with
// weaker parameters than the current ones is replaced on success.
//
// Every attempt reserves a token of two throttles before any hashing: the
// account with this client (--login-throttle), against guessing one
// password, and the client across accounts (--login-client-throttle),
// against trying one password on many accounts (spraying). Success gives
// both back, so only failures count; and since the token is taken first, a
// burst of concurrent guesses gets at most the limit's worth checked.
//
// Errors: validation_failed, invalid_credentials, rate_limited.
func (a *Accounts) CheckPassword(ctx context.Context, req shared.LoginRequest, client Client) (*store.User, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	from := throttledClient(client.IP)
	held, err := reserve(ctx, a.clock.now(),
		limited{a.logins, from + " " + req.Email}, // no space in an IP or a prefix: unambiguous
		limited{a.loginClients, from})
	if err != nil {
		if apiErr, ok := errors.AsType[*shared.Error](err); ok && apiErr.Code == shared.CodeRateLimited {
			a.stats.loginThrottled.Add(1) // not when the throttle's store failed
		}
		return nil, err
	}
	u, err := a.verifyLogin(ctx, req)
	switch {
	case err == nil:
		held.refund(ctx)
		a.stats.loginOK.Add(1)
		return u, nil
	case u != nil: // a wrong password for an existing account
		a.activity.failedSignIn(ctx, u.ID, client)
	}
	if errors.Is(err, errInvalidCredentials) {
		a.stats.loginFailed.Add(1)
	}
	return nil, err
}

// verifyLogin checks an email and password, doing the same hashing work
// whether or not the account exists. A wrong password for an account that
// exists (or an inactive account) returns the account with the error, for
// its activity: the caller must not let it out.
func (a *Accounts) verifyLogin(ctx context.Context, req shared.LoginRequest) (*store.User, error) {
	u, err := a.store.UserByEmail(ctx, req.Email)
	if errors.Is(err, store.ErrNotFound) {
		a.hasher.VerifyDummy(ctx, req.Password)
		return nil, errInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, rehash, err := a.hasher.Verify(ctx, req.Password, u.PasswordHash)
	if err != nil {
		return nil, err
	}
	if !ok || !u.IsActive {
		return u, errInvalidCredentials
	}
	testHookChecked("login")
	if rehash {
		if err := a.rehash(ctx, u, req.Password); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// AccountSecretCheck runs check, which tests a secret offered for a
// signed-in account (its current password; a second-factor code), under
// the account's guess throttle (--login-throttle per 15 minutes, whatever
// the session or client): a token is reserved before check runs and kept
// only when check reports a wrong secret (false and no error), so at most
// the limit's worth of wrong guesses are ever checked however many
// requests arrive at once (OWASP ASVS 2.2.1). An error is no guess (the
// session ended, the database failed) and costs the account nothing.
// It reports check's verdict.
//
// Errors: rate_limited, and check's own.
func (a *Accounts) AccountSecretCheck(ctx context.Context, userID string, check func(context.Context) (bool, error)) (bool, error) {
	held, err := reserve(ctx, a.clock.now(), limited{a.guesses, userID})
	if err != nil {
		return false, err
	}
	ok, err := check(ctx)
	if ok || err != nil {
		held.refund(ctx)
	}
	return ok, err
}

// rehash stores a hash of the password with the current parameters. A
// failure to hash keeps the old hash (the login still succeeds). The new
// hash replaces the one the password was checked against only if it is
// still there: a reset or change that landed meanwhile must not be undone
// by a login with the old password, which then fails
// (invalid_credentials).
func (a *Accounts) rehash(ctx context.Context, u *store.User, password string) error {
	hash, err := a.hasher.Hash(ctx, password)
	if err != nil {
		return nil // keep the old hash: it still verifies
	}
	replaced, err := a.store.ReplacePasswordHash(ctx, u.ID, u.PasswordHash, hash)
	if err != nil {
		return err
	}
	if !replaced {
		return errInvalidCredentials
	}
	u.PasswordHash = hash
	return nil
}

// CreateSuperuser creates an active staff superuser (the createsuperuser
// command). Errors: validation_failed, email_taken.
func (a *Accounts) CreateSuperuser(ctx context.Context, email, name, password string) (*store.User, error) {
	req := shared.RegisterRequest{Email: email, Name: name, Password: password}
	if err := checkNewPassword(req.Validate(), "password", req.Password); err != nil {
		return nil, err
	}
	hash, err := a.hasher.Hash(ctx, req.Password)
	if err != nil {
		return nil, err
	}
	// The address counts as confirmed: the operator who runs the command
	// on the server vouches for it (nobody signed up with it to squat),
	// and an administrator needs a confirmed address to add a passkey or
	// an authenticator app (httpapi.Route.AddsCredential).
	u := &store.User{
		ID: newID(), Email: req.Email, Name: req.Name, PasswordHash: hash,
		IsActive: true, IsStaff: true, IsSuperuser: true, EmailVerified: true, DateJoined: a.clock.now(),
	}
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		return a.activity.record(ctx, tx, u.DateJoined, Event{Type: shared.EventAccountCreated, UserID: u.ID})
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, shared.NewError(shared.CodeEmailTaken, "An account with this email already exists.")
	} else if err != nil {
		return nil, err
	}
	return u, nil
}

// UserByEmail returns the account with the email (normalised here), for
// forks that authenticate users some other way before Sessions.Start.
//
// Errors: not_found.
func (a *Accounts) UserByEmail(ctx context.Context, email string) (*store.User, error) {
	u, err := a.store.UserByEmail(ctx, shared.NormalizeEmail(email))
	if errors.Is(err, store.ErrNotFound) {
		return nil, shared.NewError(shared.CodeNotFound, "There is no account with this email.")
	}
	return u, err
}

// PruneThrottles forgets the buckets of the login, guess, registration,
// email change and name change throttles that have refilled; the sweeper
// calls it.
func (a *Accounts) PruneThrottles() {
	now := a.clock.now()
	for _, t := range []*throttle{a.logins, a.loginClients, a.guesses, a.registers, a.emailChanges, a.emailTargets, a.nameChanges} {
		t.prune(now)
	}
}
