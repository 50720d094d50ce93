package auth

import (
	"context"
	"errors"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Authenticate checks an access token and that its session is still live.
// This is the hot path of every authenticated request: the signature check
// is local, and the liveness check is answered from the session cache,
// reaching the database only on a miss.
//
// Errors: token_expired (refresh and retry), not_authenticated.
func (s *Service) Authenticate(ctx context.Context, accessToken string) (Principal, error) {
	claims, err := s.tokens.parse(accessToken)
	if errors.Is(err, errUnknownKey) && s.reloadKeysSoon(ctx) {
		// Perhaps another instance already signs with a newer key.
		claims, err = s.tokens.parse(accessToken)
	}
	if errors.Is(err, errTokenExpired) {
		return Principal{}, errTokenExpiredAPI
	}
	if err != nil {
		return Principal{}, errNotAuthenticated
	}
	e, err := s.session(ctx, claims.SessionID)
	if err != nil {
		return Principal{}, err
	}
	if !e.live || e.userID != claims.Subject {
		return Principal{}, errSessionEnded
	}
	return Principal{UserID: claims.Subject, SessionID: claims.SessionID, EmailVerified: e.emailVerified}, nil
}

// session returns a session's state from the cache, reading the database
// on a miss. An unknown session is a dead one.
func (s *Service) session(ctx context.Context, sessionID string) (sessionEntry, error) {
	now := s.now()
	if e, ok := s.sessions.get(sessionID, now); ok {
		return e, nil
	}
	st, err := s.store.SessionStatus(ctx, sessionID, now)
	if errors.Is(err, store.ErrNotFound) {
		return sessionEntry{}, nil
	}
	if err != nil {
		return sessionEntry{}, err
	}
	e := sessionEntry{userID: st.UserID, live: st.Live, emailVerified: st.EmailVerified}
	s.sessions.put(sessionID, e, now)
	return e, nil
}

// Refresh spends a refresh token and issues a new pair for the same
// session (rotation). Presenting a token that was already spent is taken
// as theft, since only one party can hold the newest token: the whole
// session is revoked, cutting off both thief and owner (RFC 9700 §4.14.2).
//
// Errors: not_authenticated (unknown, expired, reused or revoked).
func (s *Service) Refresh(ctx context.Context, refreshToken string, client Client) (*store.User, Issued, error) {
	return s.refresh(ctx, refreshToken, client, 0)
}

// BrowserRefreshGrace is how soon after its rotation a refresh cookie may
// come back without counting as reuse. Two tabs of one browser share the
// cookie jar, so both may send the same refresh cookie when their access
// token expires at once; the loser of that race is refused with
// ErrRefreshRaced (and gets no tokens) but the session survives, and its
// retry carries the winner's new cookies. A thief replaying a stolen token
// within the window gains nothing either.
const BrowserRefreshGrace = 10 * time.Second

// ErrRefreshRaced is returned by RefreshInBrowser when the refresh token
// was spent moments ago by a concurrent request of the same browser. The
// browser already holds (or is about to receive) newer cookies, so they
// must not be cleared.
var ErrRefreshRaced = shared.NewError(shared.CodeNotAuthenticated, "This session was refreshed by another tab a moment ago. Retry the request.")

// RefreshInBrowser is Refresh for the cookie flow, tolerating the race
// between tabs described at BrowserRefreshGrace.
func (s *Service) RefreshInBrowser(ctx context.Context, refreshToken string, client Client) (*store.User, Issued, error) {
	return s.refresh(ctx, refreshToken, client, BrowserRefreshGrace)
}

func (s *Service) refresh(ctx context.Context, refreshToken string, client Client, grace time.Duration) (*store.User, Issued, error) {
	if refreshToken == "" {
		return nil, Issued{}, errNotAuthenticated
	}
	var (
		u       *store.User
		issued  Issued
		reused  string // session id, when reuse was detected
		failure error
	)
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		now := s.now()
		old, err := tx.RefreshTokenByHash(ctx, hashRefreshToken(refreshToken))
		if errors.Is(err, store.ErrNotFound) {
			failure = errSessionEnded
			return nil
		}
		if err != nil {
			return err
		}
		// spentBefore handles a token that was already spent (at usedAt):
		// a race between tabs within the grace window, theft otherwise.
		spentBefore := func(usedAt time.Time) error {
			if now.Sub(usedAt) < grace {
				failure = ErrRefreshRaced
				return nil
			}
			reused = old.SessionID
			_, err := tx.RevokeSessionByID(ctx, old.SessionID, now)
			return err
		}
		if old.UsedAt != nil {
			return spentBefore(*old.UsedAt)
		}
		sess, err := tx.SessionByID(ctx, old.SessionID)
		if err != nil {
			return err
		}
		if !old.ExpiresAt.After(now) || sess.RevokedAt != nil {
			failure = errSessionEnded
			return nil
		}
		if u, err = tx.UserByID(ctx, sess.UserID); err != nil {
			return err
		}
		if !u.IsActive {
			failure = errSessionEnded
			return nil
		}
		next, hash := newRefreshToken()
		nextRow := &store.RefreshToken{ID: newID(), SessionID: sess.ID, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTTL)}
		won, err := tx.SpendRefreshToken(ctx, old.ID, nextRow.ID, now)
		if err != nil {
			return err
		}
		if !won { // spent just now by a concurrent request or instance
			return spentBefore(now)
		}
		if err := tx.CreateRefreshToken(ctx, nextRow); err != nil {
			return err
		}
		if err := tx.TouchSession(ctx, sess.ID, now, nextRow.ExpiresAt); err != nil {
			return err
		}
		access, accessExp, err := s.tokens.issue(u.ID, sess.ID, now)
		if err != nil {
			return err
		}
		issued = Issued{SessionID: sess.ID, Access: access, AccessExpires: accessExp, Refresh: next, RefreshExpires: nextRow.ExpiresAt}
		return nil
	})
	switch {
	case err != nil:
		return nil, Issued{}, err
	case reused != "":
		s.sessions.revoke(reused)
		s.publish(ctx, eventSession+reused)
		s.log.WarnContext(ctx, "refresh token reuse detected; session revoked", "session_id", reused, "ip", client.IP)
		return nil, Issued{}, errSessionEnded
	case failure != nil:
		return nil, Issued{}, failure
	}
	s.sessions.put(issued.SessionID, sessionEntry{userID: u.ID, live: true, emailVerified: u.EmailVerified}, s.now())
	return u, issued, nil
}

// SessionOfRefreshToken returns the principal that a refresh token belongs
// to, so logout works even after the access token has expired.
//
// Errors: not_authenticated.
func (s *Service) SessionOfRefreshToken(ctx context.Context, refreshToken string) (Principal, error) {
	if refreshToken == "" {
		return Principal{}, errNotAuthenticated
	}
	rt, err := s.store.RefreshTokenByHash(ctx, hashRefreshToken(refreshToken))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, errNotAuthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	sess, err := s.store.SessionByID(ctx, rt.SessionID)
	if err != nil {
		return Principal{}, err
	}
	return Principal{UserID: sess.UserID, SessionID: sess.ID}, nil
}

// Logout revokes the caller's session. It takes effect at once: the
// session cache is updated before Logout returns.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	err := s.store.RevokeSession(ctx, p.UserID, p.SessionID, s.now())
	s.sessions.revoke(p.SessionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // already revoked: logging out twice is fine
	}
	if err == nil {
		s.publish(ctx, eventSession+p.SessionID)
	}
	return err
}

// LogoutAll revokes every session of the caller's user, this one included.
func (s *Service) LogoutAll(ctx context.Context, p Principal) error {
	ids, err := s.store.RevokeUserSessions(ctx, p.UserID, "", s.now())
	s.sessions.revoke(ids...)
	s.sessions.revoke(p.SessionID)
	if err == nil {
		s.publish(ctx, eventUser+p.UserID)
	}
	return err
}

// Sessions lists the live sessions of the caller's user.
func (s *Service) Sessions(ctx context.Context, p Principal) ([]store.Session, error) {
	return s.store.ListLiveSessions(ctx, p.UserID, s.now())
}

// RevokeSession ends one of the caller's own sessions.
//
// Errors: not_found (no such live session of this user).
func (s *Service) RevokeSession(ctx context.Context, p Principal, sessionID string) error {
	err := s.store.RevokeSession(ctx, p.UserID, sessionID, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return shared.NewError(shared.CodeNotFound, "That session does not exist or has already ended.")
	}
	if err != nil {
		return err
	}
	s.sessions.revoke(sessionID)
	s.publish(ctx, eventSession+sessionID)
	return nil
}

// User returns the caller's account.
//
// Errors: not_authenticated (the account is gone or inactive).
//
// The account comes from the user cache when fresh (GET /api/me is the
// hottest endpoint); every change to a user drops its entry (userChanged).
// The returned value is the caller's own copy.
func (s *Service) User(ctx context.Context, p Principal) (*store.User, error) {
	now := s.now()
	u, ok := s.users.get(p.UserID, now)
	if !ok {
		fresh, err := s.freshUser(ctx, p.UserID)
		if err != nil {
			return nil, err
		}
		u = *fresh
		s.users.put(u.ID, u, now)
	}
	if !u.IsActive {
		return nil, errSessionEnded
	}
	return &u, nil
}

// freshUser reads a user from the database, for code that is about to
// change it. Errors: not_authenticated (the account is gone).
func (s *Service) freshUser(ctx context.Context, id string) (*store.User, error) {
	u, err := s.store.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errSessionEnded
	}
	return u, err
}

// userChanged drops the cached copies of a user and of their sessions,
// here at once and on the other instances through an event.
func (s *Service) userChanged(ctx context.Context, userID string) {
	s.users.forget(userID)
	s.sessions.forgetUser(userID)
	s.publish(ctx, eventUser+userID)
}

// UpdateProfile changes the caller's name.
//
// Errors: validation_failed, not_authenticated.
func (s *Service) UpdateProfile(ctx context.Context, p Principal, req shared.UpdateProfileRequest) (*store.User, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	u, err := s.freshUser(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	u.Name = *req.Name
	if err := s.store.UpdateUser(ctx, u, "name"); err != nil {
		return nil, err
	}
	s.userChanged(ctx, u.ID)
	return u, nil
}

// ChangePassword replaces the caller's password and revokes every other
// session, keeping the one that made the change (OWASP ASVS 3.3.3).
//
// Errors: validation_failed, wrong_password, not_authenticated.
func (s *Service) ChangePassword(ctx context.Context, p Principal, req shared.ChangePasswordRequest) error {
	u, err := s.freshUser(ctx, p.UserID)
	if err != nil {
		return err
	}
	if err := req.Validate(u.Email); err != nil {
		return err
	}
	ok, _, err := s.hasher.Verify(ctx, req.CurrentPassword, u.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return &shared.Error{
			Code:    shared.CodeWrongPassword,
			Message: "Your current password is incorrect.",
			Fields:  map[string]string{"current_password": "This is not your current password."},
		}
	}
	if u.PasswordHash, err = s.hasher.Hash(ctx, req.NewPassword); err != nil {
		return err
	}
	var revoked []string
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateUser(ctx, u, "password_hash"); err != nil {
			return err
		}
		if err := tx.InvalidateOneTimeTokens(ctx, u.ID, store.PurposePasswordReset, s.now()); err != nil {
			return err
		}
		revoked, err = tx.RevokeUserSessions(ctx, u.ID, p.SessionID, s.now())
		return err
	})
	if err != nil {
		return err
	}
	s.sessions.revoke(revoked...)
	s.userChanged(ctx, u.ID)
	return nil
}

// VerifyAccessToken reports whether a token is a valid access token of a
// live session (POST /api/token/verify).
//
// Errors: token_expired, not_authenticated.
func (s *Service) VerifyAccessToken(ctx context.Context, token string) error {
	_, err := s.Authenticate(ctx, token)
	return err
}

// FlushExpired deletes expired and revoked refresh tokens and sessions.
func (s *Service) FlushExpired(ctx context.Context) (tokens, sessions int64, err error) {
	now := s.now()
	s.sessions.prune(now)
	s.users.prune(now)
	s.logins.prune(now)
	s.registers.prune(now)
	return s.store.FlushExpired(ctx, now)
}
