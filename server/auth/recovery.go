package auth

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/authkit/authkit/server/mail"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Lifetimes of mailed tokens, and throttles of the mailing endpoints.
const (
	PasswordResetTTL    = 30 * time.Minute
	VerifyEmailTTL      = 24 * time.Hour
	resetsPerEmail      = 5  // per hour
	resetsPerClient     = 20 // per hour
	verificationsPerDay = 10 // resends per user
)

// Mailer queues outgoing mail without blocking (mail.Queue).
type Mailer interface {
	Enqueue(mail.Message) bool
}

var (
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
func (s *Service) RequestPasswordReset(ctx context.Context, req shared.PasswordResetRequest, client Client) error {
	if err := req.Validate(); err != nil {
		return err
	}
	now := s.now()
	if wait := s.resetsByClient.take(client.IP, now); wait > 0 {
		return rateLimited(wait)
	}
	if wait := s.resetsByEmail.take(req.Email, now); wait > 0 {
		return rateLimited(wait)
	}
	select {
	case s.background <- struct{}{}:
	default:
		s.log.WarnContext(ctx, "too many password resets in progress; request dropped")
		return nil
	}
	go func() {
		defer func() { <-s.background }()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := s.mailPasswordReset(ctx, req.Email); err != nil {
			s.log.ErrorContext(ctx, "password reset mail not queued", "err", err)
		}
	}()
	return nil
}

func (s *Service) mailPasswordReset(ctx context.Context, email string) error {
	u, err := s.store.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.IsActive) {
		return nil
	}
	if err != nil {
		return err
	}
	token, err := s.newMailToken(ctx, u.ID, store.PurposePasswordReset, PasswordResetTTL)
	if err != nil {
		return err
	}
	return s.sendMail("password_reset", u, "/reset-password", token)
}

// ConfirmPasswordReset sets a new password with a mailed token. The token
// works once; all of the user's sessions are revoked, so whoever knew the
// old password is logged out everywhere.
//
// Errors: validation_failed, invalid_token.
func (s *Service) ConfirmPasswordReset(ctx context.Context, req shared.PasswordResetConfirmRequest) error {
	if err := req.Validate(); err != nil {
		return err
	}
	t, err := s.store.OneTimeTokenByHash(ctx, store.PurposePasswordReset, hashRefreshToken(req.Token))
	if errors.Is(err, store.ErrNotFound) {
		return errInvalidMailToken
	}
	if err != nil {
		return err
	}
	now := s.now()
	if t.UsedAt != nil || !t.ExpiresAt.After(now) {
		return errInvalidMailToken
	}
	u, err := s.store.UserByID(ctx, t.UserID)
	if err != nil {
		return err
	}
	// Check the password against the email before spending the token, so
	// a rejected password does not cost the user their link.
	if msg := shared.ValidatePassword(req.NewPassword, u.Email); msg != "" {
		return &shared.Error{Code: shared.CodeValidationFailed, Message: "Some fields need attention.",
			Fields: map[string]string{"new_password": msg}}
	}
	if u.PasswordHash, err = s.hasher.Hash(ctx, req.NewPassword); err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		won, err := tx.UseOneTimeToken(ctx, t.ID, now)
		if err != nil {
			return err
		}
		if !won {
			return errInvalidMailToken
		}
		if err := tx.UpdateUser(ctx, u, "password_hash"); err != nil {
			return err
		}
		if err := tx.InvalidateOneTimeTokens(ctx, u.ID, store.PurposePasswordReset, now); err != nil {
			return err
		}
		_, err = tx.RevokeUserSessions(ctx, u.ID, "", now)
		return err
	})
	if err != nil {
		return err
	}
	s.userChanged(ctx, u.ID)
	return nil
}

// VerifyEmail confirms a user's email address with a mailed token.
//
// Errors: validation_failed, invalid_token.
func (s *Service) VerifyEmail(ctx context.Context, req shared.VerifyEmailRequest) (*store.User, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	t, err := s.store.OneTimeTokenByHash(ctx, store.PurposeVerifyEmail, hashRefreshToken(req.Token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInvalidMailToken
	}
	if err != nil {
		return nil, err
	}
	var u *store.User
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		won, err := tx.UseOneTimeToken(ctx, t.ID, s.now())
		if err != nil {
			return err
		}
		if !won {
			return errInvalidMailToken
		}
		if u, err = tx.UserByID(ctx, t.UserID); err != nil {
			return err
		}
		u.EmailVerified = true
		return tx.UpdateUser(ctx, u, "email_verified")
	})
	if err != nil {
		return nil, err
	}
	s.userChanged(ctx, u.ID)
	return u, nil
}

// ResendVerification mails a new confirmation link to the caller, unless
// the address is already confirmed. Throttled per user.
//
// Errors: rate_limited, not_authenticated.
func (s *Service) ResendVerification(ctx context.Context, p Principal) error {
	u, err := s.User(ctx, p)
	if err != nil {
		return err
	}
	if u.EmailVerified {
		return nil
	}
	if wait := s.verifications.take(u.ID, s.now()); wait > 0 {
		return rateLimited(wait)
	}
	return s.mailVerification(ctx, u)
}

func (s *Service) mailVerification(ctx context.Context, u *store.User) error {
	token, err := s.newMailToken(ctx, u.ID, store.PurposeVerifyEmail, VerifyEmailTTL)
	if err != nil {
		return err
	}
	return s.sendMail("verify_email", u, "/verify-email", token)
}

// newMailToken stores a new single-use token (hashed) and returns it.
func (s *Service) newMailToken(ctx context.Context, userID, purpose string, ttl time.Duration) (string, error) {
	token, hash := newRefreshToken()
	now := s.now()
	err := s.store.CreateOneTimeToken(ctx, &store.OneTimeToken{
		ID: newID(), UserID: userID, Purpose: purpose, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(ttl),
	})
	return token, err
}

func (s *Service) sendMail(template string, u *store.User, path, token string) error {
	link := s.cfg.PublicURL + path + "?token=" + url.QueryEscape(token)
	m, err := mail.Render(template, u.Email, struct{ Name, Link string }{u.Name, link})
	if err != nil {
		return err
	}
	if !s.cfg.Mailer.Enqueue(m) {
		return errors.New("mail queue full")
	}
	return nil
}
