package auth

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Accounts registers users and checks their passwords, and lets them read
// and change their own account (profile.go). Its throttles limit failed
// logins per account and client, and registrations per client.
type Accounts struct {
	store     *store.Store
	hasher    *Hasher
	sessions  *Sessions
	users     *userCache
	factors   *Factors  // the second step of logins
	recovery  *Recovery // mails the confirmation link on registration
	logins    *throttle // failed logins per account+client
	registers *throttle // registrations per client
	clock     clock
	log       *slog.Logger
}

func newAccounts(st *store.Store, cfg Config, sessions *Sessions, users *userCache, factors *Factors, recovery *Recovery) *Accounts {
	return &Accounts{
		store: st, hasher: cfg.Hasher, sessions: sessions, users: users, factors: factors, recovery: recovery,
		logins:    newThrottle(cfg.LoginThrottle, 15*time.Minute),
		registers: newThrottle(cfg.RegisterThrottle, time.Minute),
		clock:     clock(cfg.Now), log: cfg.Logger,
	}
}

// Register creates an account and logs it in on a new session.
//
// Errors: validation_failed, email_taken, rate_limited (per client).
func (a *Accounts) Register(ctx context.Context, req shared.RegisterRequest, client Client) (*store.User, Issued, error) {
	if err := req.Validate(); err != nil {
		return nil, Issued{}, err
	}
	if wait := a.registers.take(client.IP, a.clock.now()); wait > 0 {
		return nil, Issued{}, rateLimited(wait)
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
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		issued, err = a.sessions.start(ctx, tx, u, client, MethodPassword)
		return err
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
	if err := a.recovery.mailVerification(ctx, u); err != nil {
		// The account exists and works; the user can ask for another mail.
		a.log.ErrorContext(ctx, "confirmation mail not queued", "user_id", u.ID, "err", err)
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
	issued, err := a.sessions.StartWith(ctx, u, client, MethodPassword)
	if err != nil {
		return nil, Issued{}, err
	}
	return u, issued, nil
}

// CheckPassword authenticates an email and password without starting a
// session, with Login's throttling and uniform failures. A hash made with
// weaker parameters than the current ones is replaced on success.
//
// Errors: validation_failed, invalid_credentials, rate_limited.
func (a *Accounts) CheckPassword(ctx context.Context, req shared.LoginRequest, client Client) (*store.User, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	key := req.Email + "\x00" + client.IP
	if wait := a.logins.wait(key, a.clock.now()); wait > 0 {
		return nil, rateLimited(wait)
	}
	u, err := a.store.UserByEmail(ctx, req.Email)
	if errors.Is(err, store.ErrNotFound) {
		a.hasher.VerifyDummy(ctx, req.Password)
		a.logins.spend(key, a.clock.now())
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
		a.logins.spend(key, a.clock.now())
		return nil, errInvalidCredentials
	}
	if rehash {
		if err := a.rehash(ctx, u, req.Password); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// rehash stores a hash of the password with the current parameters. A
// failure to hash keeps the old hash (the login still succeeds).
func (a *Accounts) rehash(ctx context.Context, u *store.User, password string) error {
	hash, err := a.hasher.Hash(ctx, password)
	if err != nil {
		return nil // keep the old hash: it still verifies
	}
	u.PasswordHash = hash
	return a.store.UpdateUser(ctx, u, "password_hash")
}

// CreateSuperuser creates an active staff superuser (the createsuperuser
// command). Errors: validation_failed, email_taken.
func (a *Accounts) CreateSuperuser(ctx context.Context, email, name, password string) (*store.User, error) {
	req := shared.RegisterRequest{Email: email, Name: name, Password: password}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	hash, err := a.hasher.Hash(ctx, req.Password)
	if err != nil {
		return nil, err
	}
	u := &store.User{
		ID: newID(), Email: req.Email, Name: req.Name, PasswordHash: hash,
		IsActive: true, IsStaff: true, IsSuperuser: true, DateJoined: a.clock.now(),
	}
	if err := a.store.CreateUser(ctx, u); errors.Is(err, store.ErrConflict) {
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

// PruneThrottles forgets the login and registration buckets that have
// refilled; the sweeper calls it.
func (a *Accounts) PruneThrottles() {
	now := a.clock.now()
	a.logins.prune(now)
	a.registers.prune(now)
}
