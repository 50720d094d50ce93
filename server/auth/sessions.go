package auth

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Sessions starts, checks, rotates and ends sessions: one per login on a
// device, each with a short-lived access token (a JWT) and a rotating
// refresh token (opaque, stored hashed). It keeps this instance's cache of
// session liveness, so the request path rarely queries the database, and
// tells other instances of every revocation (events.go).
type Sessions struct {
	store      *store.Store
	tokens     *signing.AccessTokens
	live       sessionCache
	users      *userCache
	events     *eventBus
	refreshTTL time.Duration
	clock      clock
	log        *slog.Logger
}

// Client describes where a request comes from. It is stored with each
// session so people can recognise their devices.
type Client struct {
	IP        string
	UserAgent string
}

// Issued is the result of a login or refresh: a new access token and a new
// refresh token for one session.
type Issued struct {
	SessionID      string
	Access         string
	AccessExpires  time.Time
	Refresh        string
	RefreshExpires time.Time
}

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID        string
	SessionID     string
	EmailVerified bool
	// AuthMethod is how the session was signed in (MethodPassword,
	// "password+totp", MethodPasskey…), and AuthenticatedAt its latest
	// proof of identity: the login or the latest re-authentication.
	AuthMethod      string
	AuthenticatedAt time.Time
}

// AuthenticatedWithin reports whether the caller proved who they are
// within window of now: what sensitive actions ask (RequireRecent).
func (p Principal) AuthenticatedWithin(window time.Duration, now time.Time) bool {
	return !p.AuthenticatedAt.IsZero() && now.Sub(p.AuthenticatedAt) <= window
}

// Authenticate checks an access token and that its session is still live.
// This is the hot path of every authenticated request: the signature check
// is local, and the liveness check is answered from the session cache,
// reaching the database only on a miss.
//
// Errors: token_expired (refresh and retry), not_authenticated.
func (s *Sessions) Authenticate(ctx context.Context, accessToken string) (Principal, error) {
	claims, err := s.tokens.Parse(ctx, accessToken)
	if errors.Is(err, signing.ErrTokenExpired) {
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
	return Principal{
		UserID: claims.Subject, SessionID: claims.SessionID, EmailVerified: e.emailVerified,
		AuthMethod: e.authMethod, AuthenticatedAt: e.authenticatedAt,
	}, nil
}

// VerifyAccessToken reports whether a token is a valid access token of a
// live session (POST /api/token/verify).
//
// Errors: token_expired, not_authenticated.
func (s *Sessions) VerifyAccessToken(ctx context.Context, token string) error {
	_, err := s.Authenticate(ctx, token)
	return err
}

// session returns a session's state from the cache, reading the database
// on a miss. An unknown session is a dead one.
func (s *Sessions) session(ctx context.Context, sessionID string) (sessionEntry, error) {
	now := s.clock.now()
	if e, ok := s.live.get(sessionID, now); ok {
		return e, nil
	}
	st, err := s.store.SessionStatus(ctx, sessionID, now)
	if errors.Is(err, store.ErrNotFound) {
		return sessionEntry{}, nil
	}
	if err != nil {
		return sessionEntry{}, err
	}
	e := sessionEntry{userID: st.UserID, live: st.Live, emailVerified: st.EmailVerified,
		authMethod: st.AuthMethod, authenticatedAt: st.AuthenticatedAt}
	s.live.put(sessionID, e, now)
	return e, nil
}

// Start logs a user in on a new session (a new device) and records the
// login, as signed in by MethodExternal. It asks for no second factor:
// login methods that should honour the user's two-factor setting go
// through Factors.Challenge first (httpapi's API.SignIn does both).
//
// Errors: invalid_credentials (the account is inactive).
func (s *Sessions) Start(ctx context.Context, u *store.User, client Client) (Issued, error) {
	return s.StartWith(ctx, u, client, MethodExternal)
}

// StartWith is Start for a session signed in by method (MethodPassword,
// MethodPasskey, "password+totp"…), which the session records with the
// time: the session is then recent (see Principal.AuthenticatedWithin).
//
// Errors: invalid_credentials (the account is inactive).
func (s *Sessions) StartWith(ctx context.Context, u *store.User, client Client, method string) (Issued, error) {
	if !u.IsActive {
		return Issued{}, errInvalidCredentials
	}
	var issued Issued
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		now := s.clock.now()
		if err := tx.SetLastLogin(ctx, u.ID, now); err != nil {
			return err
		}
		u.LastLogin = &now
		s.users.forget(u.ID) // last_login changed
		var err error
		issued, err = s.start(ctx, tx, u, client, method)
		return err
	})
	return issued, err
}

// start inserts a session with its first refresh token, within tx.
func (s *Sessions) start(ctx context.Context, tx *store.Store, u *store.User, client Client, method string) (Issued, error) {
	now := s.clock.now()
	sess := &store.Session{
		ID: newID(), UserID: u.ID, CreatedAt: now, LastUsedAt: now,
		ExpiresAt: now.Add(s.refreshTTL),
		UserAgent: truncate(client.UserAgent, 512), IP: truncate(client.IP, 64),
		AuthMethod: method, AuthenticatedAt: now,
	}
	if err := tx.CreateSession(ctx, sess); err != nil {
		return Issued{}, err
	}
	refresh, hash := newRefreshToken()
	rt := &store.RefreshToken{ID: newID(), SessionID: sess.ID, TokenHash: hash, CreatedAt: now, ExpiresAt: sess.ExpiresAt}
	if err := tx.CreateRefreshToken(ctx, rt); err != nil {
		return Issued{}, err
	}
	access, accessExp, err := s.tokens.Issue(u.ID, sess.ID, now)
	if err != nil {
		return Issued{}, err
	}
	s.live.put(sess.ID, sessionEntry{userID: u.ID, live: true, emailVerified: u.EmailVerified,
		authMethod: method, authenticatedAt: now}, now)
	return Issued{SessionID: sess.ID, Access: access, AccessExpires: accessExp, Refresh: refresh, RefreshExpires: rt.ExpiresAt}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// PrincipalOfRefreshToken returns the principal that a refresh token
// belongs to, so logout works even after the access token has expired.
//
// Errors: not_authenticated.
func (s *Sessions) PrincipalOfRefreshToken(ctx context.Context, refreshToken string) (Principal, error) {
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
func (s *Sessions) Logout(ctx context.Context, p Principal) error {
	err := s.store.RevokeSession(ctx, p.UserID, p.SessionID, s.clock.now())
	s.live.revoke(p.SessionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // already revoked: logging out twice is fine
	}
	if err == nil {
		s.events.publish(ctx, eventSession+p.SessionID)
	}
	return err
}

// LogoutAll revokes every session of the caller's user, this one included.
func (s *Sessions) LogoutAll(ctx context.Context, p Principal) error {
	ids, err := s.store.RevokeUserSessions(ctx, p.UserID, "", s.clock.now())
	s.live.revoke(ids...)
	s.live.revoke(p.SessionID)
	if err == nil {
		s.events.publish(ctx, eventUser+p.UserID)
	}
	return err
}

// List returns the live sessions of the caller's user.
func (s *Sessions) List(ctx context.Context, p Principal) ([]store.Session, error) {
	return s.store.ListLiveSessions(ctx, p.UserID, s.clock.now())
}

// Reauthenticated records that the caller has just proved who they are
// again (POST /api/auth/reauth), which makes their session recent. Other
// instances read the session again, through an event.
//
// Errors: not_authenticated (the session has ended).
func (s *Sessions) Reauthenticated(ctx context.Context, p Principal) error {
	now := s.clock.now()
	err := s.store.Reauthenticated(ctx, p.UserID, p.SessionID, now)
	if errors.Is(err, store.ErrNotFound) {
		return errSessionEnded
	}
	if err != nil {
		return err
	}
	s.live.update(p.SessionID, func(e *sessionEntry) { e.authenticatedAt = now })
	s.events.publish(ctx, eventSession+p.SessionID)
	return nil
}

// Revoke ends one of the caller's own sessions.
//
// Errors: not_found (no such live session of this user).
func (s *Sessions) Revoke(ctx context.Context, p Principal, sessionID string) error {
	err := s.store.RevokeSession(ctx, p.UserID, sessionID, s.clock.now())
	if errors.Is(err, store.ErrNotFound) {
		return shared.NewError(shared.CodeNotFound, "That session does not exist or has already ended.")
	}
	if err != nil {
		return err
	}
	s.live.revoke(sessionID)
	s.events.publish(ctx, eventSession+sessionID)
	return nil
}

// FlushExpired deletes expired and revoked refresh tokens and sessions,
// and drops stale entries from the session and user caches.
func (s *Sessions) FlushExpired(ctx context.Context) (tokens, sessions int64, err error) {
	now := s.clock.now()
	s.live.prune(now)
	s.users.entries.prune(now)
	return s.store.FlushExpired(ctx, now)
}
