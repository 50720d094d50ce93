package auth

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// newID returns a time-ordered UUID (v7), which keeps primary-key
// indexes compact.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// Register creates an account and logs it in on a new session.
//
// Errors: validation_failed, email_taken, rate_limited (per client).
func (s *Service) Register(ctx context.Context, req shared.RegisterRequest, client Client) (*store.User, Issued, error) {
	if err := req.Validate(); err != nil {
		return nil, Issued{}, err
	}
	if wait := s.registers.take(client.IP, s.now()); wait > 0 {
		return nil, Issued{}, rateLimited(wait)
	}
	hash, err := s.hasher.Hash(ctx, req.Password)
	if err != nil {
		return nil, Issued{}, err
	}
	now := s.now()
	u := &store.User{
		ID: newID(), Email: req.Email, Name: req.Name, PasswordHash: hash,
		IsActive: true, DateJoined: now, LastLogin: &now,
	}
	var issued Issued
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		issued, err = s.startSession(ctx, tx, u, client)
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
	if err := s.mailVerification(ctx, u); err != nil {
		// The account exists and works; the user can ask for another mail.
		s.log.ErrorContext(ctx, "confirmation mail not queued", "user_id", u.ID, "err", err)
	}
	return u, issued, nil
}

// Login checks an email and password and starts a session.
//
// Unknown emails, wrong passwords and inactive accounts all return
// invalid_credentials after the same amount of hashing work, so neither
// the answer nor its timing tells whether an account exists (OWASP ASVS
// 2.2). Failures are throttled per account and client.
//
// Errors: validation_failed, invalid_credentials, rate_limited.
func (s *Service) Login(ctx context.Context, req shared.LoginRequest, client Client) (*store.User, Issued, error) {
	u, err := s.CheckPassword(ctx, req, client)
	if err != nil {
		return nil, Issued{}, err
	}
	issued, err := s.StartSession(ctx, u, client)
	if err != nil {
		return nil, Issued{}, err
	}
	return u, issued, nil
}

// CheckPassword authenticates an email and password without starting a
// session, with Login's throttling and uniform failures. A hash made with
// weaker parameters than the current ones is replaced on success.
func (s *Service) CheckPassword(ctx context.Context, req shared.LoginRequest, client Client) (*store.User, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	key := req.Email + "\x00" + client.IP
	if wait := s.logins.wait(key, s.now()); wait > 0 {
		return nil, rateLimited(wait)
	}
	u, err := s.store.UserByEmail(ctx, req.Email)
	if errors.Is(err, store.ErrNotFound) {
		s.hasher.VerifyDummy(ctx, req.Password)
		s.logins.spend(key, s.now())
		return nil, errInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, rehash, err := s.hasher.Verify(ctx, req.Password, u.PasswordHash)
	if err != nil {
		return nil, err
	}
	if !ok || !u.IsActive {
		s.logins.spend(key, s.now())
		return nil, errInvalidCredentials
	}
	if rehash {
		if hash, err := s.hasher.Hash(ctx, req.Password); err == nil {
			u.PasswordHash = hash
			if err := s.store.UpdateUser(ctx, u, "password_hash"); err != nil {
				return nil, err
			}
		}
	}
	return u, nil
}

// StartSession logs a user in on a new session (a new device) and records
// the login. Forks call it after authenticating someone another way, such
// as an OAuth callback.
func (s *Service) StartSession(ctx context.Context, u *store.User, client Client) (Issued, error) {
	if !u.IsActive {
		return Issued{}, errInvalidCredentials
	}
	var issued Issued
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		now := s.now()
		if err := tx.SetLastLogin(ctx, u.ID, now); err != nil {
			return err
		}
		u.LastLogin = &now
		s.users.forget(u.ID) // last_login changed
		var err error
		issued, err = s.startSession(ctx, tx, u, client)
		return err
	})
	return issued, err
}

// startSession inserts a session with its first refresh token, within tx.
func (s *Service) startSession(ctx context.Context, tx *store.Store, u *store.User, client Client) (Issued, error) {
	now := s.now()
	userID := u.ID
	sess := &store.Session{
		ID: newID(), UserID: userID, CreatedAt: now, LastUsedAt: now,
		ExpiresAt: now.Add(s.cfg.RefreshTTL),
		UserAgent: truncate(client.UserAgent, 512), IP: truncate(client.IP, 64),
	}
	if err := tx.CreateSession(ctx, sess); err != nil {
		return Issued{}, err
	}
	refresh, hash := newRefreshToken()
	rt := &store.RefreshToken{ID: newID(), SessionID: sess.ID, TokenHash: hash, CreatedAt: now, ExpiresAt: sess.ExpiresAt}
	if err := tx.CreateRefreshToken(ctx, rt); err != nil {
		return Issued{}, err
	}
	access, accessExp, err := s.tokens.issue(userID, sess.ID, now)
	if err != nil {
		return Issued{}, err
	}
	s.sessions.put(sess.ID, sessionEntry{userID: userID, live: true, emailVerified: u.EmailVerified}, now)
	return Issued{SessionID: sess.ID, Access: access, AccessExpires: accessExp, Refresh: refresh, RefreshExpires: rt.ExpiresAt}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// CreateSuperuser creates an active staff superuser (the createsuperuser
// command). Errors: validation_failed, email_taken.
func (s *Service) CreateSuperuser(ctx context.Context, email, name, password string) (*store.User, error) {
	req := shared.RegisterRequest{Email: email, Name: name, Password: password}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, req.Password)
	if err != nil {
		return nil, err
	}
	u := &store.User{
		ID: newID(), Email: req.Email, Name: req.Name, PasswordHash: hash,
		IsActive: true, IsStaff: true, IsSuperuser: true, DateJoined: s.now(),
	}
	if err := s.store.CreateUser(ctx, u); errors.Is(err, store.ErrConflict) {
		return nil, shared.NewError(shared.CodeEmailTaken, "An account with this email already exists.")
	} else if err != nil {
		return nil, err
	}
	return u, nil
}

// UserByEmail returns the account with the email (normalised here), for
// forks that authenticate users some other way before StartSession.
//
// Errors: not_found.
func (s *Service) UserByEmail(ctx context.Context, email string) (*store.User, error) {
	u, err := s.store.UserByEmail(ctx, shared.NormalizeEmail(email))
	if errors.Is(err, store.ErrNotFound) {
		return nil, shared.NewError(shared.CodeNotFound, "There is no account with this email.")
	}
	return u, err
}
