package auth

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
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
	activity   *Activity // records sign-ins, sign-outs and revocations
	notices    *notifier
	refreshTTL time.Duration
	maxAge     time.Duration // a session's absolute lifetime (Config.SessionMaxAge); <= 0: no cap
	maxLive    int           // live sessions per user; <= 0: no cap
	clock      clock
	log        *slog.Logger
	stats      *stats
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

	evicted []string // sessions the cap ended to make room (start)
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

// Recheck reads the caller's session from the database, past the session
// cache (and refreshes the cache with it): for an action that must not
// trust a revocation's late arrival from another server, such as adding a
// credential, which would outlast the password reset that ended the
// session (account pre-hijacking).
//
// Errors: not_authenticated (the session has ended), or the store's.
func (s *Sessions) Recheck(ctx context.Context, p Principal) error {
	e, err := s.load(ctx, p.SessionID, s.clock.now())
	if err != nil {
		return err
	}
	if !e.live || e.userID != p.UserID {
		return errSessionEnded
	}
	return nil
}

// Hold checks, within tx, that p's session is still live, having first
// locked p's account (store.LockUser). A transaction that adds a
// credential calls it before anything else. Whatever ends the account's
// sessions takes the same lock (store.RevokeSession, RevokeUserSessions,
// the password reset), so on PostgreSQL too it either commits before Hold
// reads the session, and Hold refuses, or waits until the credential has
// committed, and then sees it (a reset of an unproven account removes it).
// Without the lock, both could read the world as it was before the other.
//
// Errors: not_authenticated (the session has ended).
func (s *Sessions) Hold(ctx context.Context, tx *store.Store, p Principal) error {
	if err := tx.LockUser(ctx, p.UserID); err != nil {
		return err
	}
	now := s.clock.now()
	st, err := tx.SessionStatus(ctx, p.SessionID, now)
	if errors.Is(err, store.ErrNotFound) {
		return errSessionEnded
	}
	if err != nil {
		return err
	}
	if !st.Live || st.UserID != p.UserID || s.outlived(st.CreatedAt, now) {
		return errSessionEnded
	}
	return nil
}

// SessionEnded reports whether err is Hold's or Recheck's refusal.
func SessionEnded(err error) bool { return errors.Is(err, errSessionEnded) }

// session returns a session's state from the cache, reading the database
// on a miss. An unknown session is a dead one.
func (s *Sessions) session(ctx context.Context, sessionID string) (sessionEntry, error) {
	now := s.clock.now()
	if e, ok := s.live.get(sessionID, now); ok {
		return e.at(now), nil
	}
	return s.load(ctx, sessionID, now)
}

// load reads a session's state from the database into the cache.
func (s *Sessions) load(ctx context.Context, sessionID string, now time.Time) (sessionEntry, error) {
	generation := s.live.readBegins()
	st, err := s.store.SessionStatus(ctx, sessionID, now)
	if errors.Is(err, store.ErrNotFound) {
		return sessionEntry{}, nil
	}
	if err != nil {
		return sessionEntry{}, err
	}
	testHookChecked("session-read")
	e := sessionEntry{userID: st.UserID, live: st.Live, emailVerified: st.EmailVerified,
		authMethod: st.AuthMethod, authenticatedAt: st.AuthenticatedAt, endsAt: s.endOf(st.CreatedAt)}
	s.live.putRead(sessionID, e, now, generation)
	return e.at(now), nil
}

// endOf is when a session that started at created ends however often it
// is refreshed (Config.SessionMaxAge, OWASP ASVS 3.3.2); zero without a
// cap. It is counted from the session's creation, which never changes, so
// the cache can keep it with the session and compare it on each request
// without a query.
func (s *Sessions) endOf(created time.Time) time.Time {
	if s.maxAge <= 0 {
		return time.Time{}
	}
	return created.Add(s.maxAge)
}

// outlived reports whether a session that started at created has reached
// its end at now. A session stored under a longer cap, or before there was
// one, ends by this check alone: its stored expiry may lie later.
func (s *Sessions) outlived(created, now time.Time) bool {
	end := s.endOf(created)
	return !end.IsZero() && !now.Before(end)
}

// refreshExpiry is when a refresh token issued at now, for a session
// that started at created, expires: RefreshTTL on, but never past the
// session's end, so neither the token nor the cookies that carry it
// outlive the session.
func (s *Sessions) refreshExpiry(created, now time.Time) time.Time {
	exp := now.Add(s.refreshTTL)
	if end := s.endOf(created); !end.IsZero() && end.Before(exp) {
		return end
	}
	return exp
}

// Start logs a user in on a new session (a new device) and records the
// login. Forks call it after authenticating someone another way, such as
// an OAuth callback; StartVia also names the way. It asks for no second
// factor: login methods that should honour the user's two-factor setting
// go through Factors.Challenge first (httpapi's API.SignIn does both).
//
// Errors: invalid_credentials (the account is inactive).
func (s *Sessions) Start(ctx context.Context, u *store.User, client Client) (Issued, error) {
	return s.StartVia(ctx, u, client, "")
}

// StartVia is Start for a sign-in by method ("password", "passkey",
// "oidc", "password+totp"), which the account's activity names and the
// session records (MethodExternal for ""), with the time: the session is
// then recent (Principal.AuthenticatedWithin). The sign_in event is
// written with the session; a sign-in from a device the account has not
// used in 90 days mails the owner a notice afterwards.
//
// Errors: invalid_credentials (the account is inactive).
func (s *Sessions) StartVia(ctx context.Context, u *store.User, client Client, method string) (Issued, error) {
	if !u.IsActive {
		return Issued{}, errInvalidCredentials
	}
	ctx = WithClient(ctx, client)
	var issued Issued
	var newDevice bool
	// An account's first sign-in (just created, say by a provider) has no
	// devices to compare with: there is nothing new to warn its owner of.
	firstSignIn := u.LastLogin == nil
	now := s.clock.now()
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if err := stillMaySignIn(ctx, tx, u, method); err != nil {
			return err
		}
		if err := tx.SetLastLogin(ctx, u.ID, now); err != nil {
			return err
		}
		u.LastLogin = &now
		s.users.forget(u.ID) // last_login changed
		known, err := knownDevice(ctx, tx, u.ID, client, now)
		if err != nil {
			return err
		}
		newDevice = !known && !firstSignIn
		if issued, err = s.start(ctx, tx, u, client, cmp.Or(method, MethodExternal)); err != nil {
			return err
		}
		return s.activity.record(ctx, tx, now, Event{Type: shared.EventSignIn, UserID: u.ID, Detail: methodDetail(method)})
	})
	if err == nil {
		s.started(ctx, issued)
	}
	if err == nil && newDevice {
		s.notices.newSignIn(ctx, u.Name, u.Email, client, now)
	}
	return issued, err
}

// stillMaySignIn checks within tx, the account's row locked first
// (store.LockUser), that u as the login's first step found it may still
// sign in: the account exists and is active and, after a password, the
// password is still the one checked. Whatever ends the account's sessions
// (a deactivation, a deletion, a password reset or change) takes the same
// lock, so a login checked before it either commits first, and its session
// is ended with the others, or fails here; else it would start a session
// after the revocation, a session that a later reactivation would bring
// back, or that outlives the reset meant to shut out the old password.
// A module's way in is checked by the FirstStepCheck in ctx, if any.
//
// Errors: invalid_credentials, or the FirstStepCheck's.
func stillMaySignIn(ctx context.Context, tx *store.Store, u *store.User, method string) error {
	if err := tx.LockUser(ctx, u.ID); err != nil {
		return err
	}
	now, err := tx.UserByID(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return errInvalidCredentials
	}
	if err != nil {
		return err
	}
	firstStep, _, _ := strings.Cut(method, "+")
	if !now.IsActive || (firstStep == MethodPassword && now.PasswordHash != u.PasswordHash) {
		return errInvalidCredentials
	}
	if check, ok := ctx.Value(firstStepKey{}).(FirstStepCheck); ok {
		return check(ctx, tx)
	}
	return nil
}

// FirstStepCheck tells, within the transaction that starts a sign-in's
// session or second step (the account's row locked), whether the way in
// that its first step used is still the account's, as stillMaySignIn
// tells of a password: a module's login method (a provider account, a
// passkey) that a password reset removes, in a transaction that takes
// the same lock, must not start a session after it. It returns nil, or
// the error the sign-in fails with.
type FirstStepCheck func(ctx context.Context, tx *store.Store) error

type firstStepKey struct{}

// WithFirstStep returns a context that makes Sessions.StartVia and
// Factors.Challenge (httpapi.API.SignIn) run check in their transaction:
// a module passes it the way in it checked, read again.
func WithFirstStep(ctx context.Context, check FirstStepCheck) context.Context {
	return context.WithValue(ctx, firstStepKey{}, check)
}

// methodDetail is the detail of a sign-in by method ("" names none).
func methodDetail(method string) map[string]string {
	if method == "" {
		return nil
	}
	return map[string]string{shared.DetailMethod: method}
}

// start inserts a session with its first refresh token, within tx, and
// ends the user's least recently used sessions beyond the cap. Call
// started once tx has committed.
//
// The cap bounds what one account can store (a script logging in in a
// loop) and what "sign out everywhere" and the sessions list must handle;
// the sessions it ends are those unused the longest, most likely devices
// that are gone (OWASP ASVS 3.3: sessions are bounded and revocable).
func (s *Sessions) start(ctx context.Context, tx *store.Store, u *store.User, client Client, method string) (Issued, error) {
	now := s.clock.now()
	sess := &store.Session{
		ID: newID(), UserID: u.ID, CreatedAt: now, LastUsedAt: now,
		ExpiresAt: s.refreshExpiry(now, now),
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
	evicted, err := s.evictBeyondCap(ctx, tx, u.ID, sess.ID, now)
	if err != nil {
		return Issued{}, err
	}
	if len(evicted) > 0 {
		err := s.activity.record(ctx, tx, now, Event{Type: shared.EventSessionsOverLimit, UserID: u.ID,
			Detail: map[string]string{shared.DetailCount: strconv.Itoa(len(evicted))}})
		if err != nil {
			return Issued{}, err
		}
	}
	access, accessExp, err := s.tokens.Issue(u.ID, sess.ID, now)
	if err != nil {
		return Issued{}, err
	}
	s.live.put(sess.ID, sessionEntry{userID: u.ID, live: true, emailVerified: u.EmailVerified,
		authMethod: method, authenticatedAt: now, endsAt: s.endOf(now)}, now)
	return Issued{SessionID: sess.ID, Access: access, AccessExpires: accessExp, Refresh: refresh, RefreshExpires: rt.ExpiresAt,
		evicted: evicted}, nil
}

// evictBeyondCap ends, within tx, the user's least recently used
// sessions beyond the cap, keeping the one just started. A login locked
// the user's row first (SetLastLogin), so concurrent logins of one user
// take turns here and each counts the other's session.
func (s *Sessions) evictBeyondCap(ctx context.Context, tx *store.Store, userID, started string, now time.Time) ([]string, error) {
	if s.maxLive <= 0 {
		return nil, nil
	}
	return tx.RevokeLeastRecentlyUsed(ctx, userID, started, s.maxLive, now)
}

// started makes the end of the sessions that start evicted take effect at
// once, here and on the other instances.
func (s *Sessions) started(ctx context.Context, issued Issued) {
	s.live.revoke(issued.evicted...)
	for _, id := range issued.evicted {
		s.events.publish(ctx, eventSession+id)
	}
}

// deviceName is how a session's device reads in the activity list:
// "Firefox on Windows, 10.0.0.2".
func deviceName(sess *store.Session) string {
	name := shared.DescribeUserAgent(sess.UserAgent)
	if sess.IP != "" {
		name += ", " + sess.IP
	}
	return name
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// PrincipalOfRefreshToken returns the principal that a refresh token
// belongs to, so logout works even after the access token has expired. The
// token must still stand for a live session: unexpired, of a session not
// revoked, of an active user, and unspent, or spent by this client within
// BrowserRefreshGrace (a tab that logs out with the cookie another tab has
// just rotated). A token that could no longer be refreshed authenticates
// nothing else either: the cookies of a device signed out, a refresh
// token spent long ago (a copied browser profile), or one another client
// spent a moment ago (a thief's copy, or the owner's after a thief's
// refresh) must not end the owner's other sessions through logout-all
// (OWASP ASVS 3.3.1).
//
// A spent token is a reuse here as in a refresh, and ends its session:
// else the owner, whose cookie a thief had spent first, would log out of
// nothing (a 204 all the same) and leave the thief signed in, where a
// refresh would have cut both off. The caller checks the session's CSRF
// token first (SessionOfRefreshToken), as the refresh does.
//
// Errors: not_authenticated.
func (s *Sessions) PrincipalOfRefreshToken(ctx context.Context, refreshToken string, client Client) (Principal, error) {
	if refreshToken == "" {
		return Principal{}, errNotAuthenticated
	}
	rt, err := s.store.RefreshTokenForRotation(ctx, hashRefreshToken(refreshToken))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, errNotAuthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	now := s.clock.now()
	if rt.UsedAt != nil && !lostRace(rt, client, now, BrowserRefreshGrace) {
		ctx = WithClient(ctx, client) // the reuse is recorded with the client that presented it
		if err := s.store.InTx(ctx, func(tx *store.Store) error { return s.revokeReused(ctx, tx, rt, now) }); err != nil {
			return Principal{}, err
		}
		s.reuseDetected(ctx, rt.SessionID, client)
		return Principal{}, errSessionEnded
	}
	if !s.usable(rt, now) {
		return Principal{}, errNotAuthenticated
	}
	return Principal{UserID: rt.Session.UserID, SessionID: rt.SessionID}, nil
}

// SessionOfRefreshToken returns the id of the session a refresh token
// was issued for, whatever the state of either: the cookie refresh checks
// the session's CSRF token before the refresh token is spent or, spent
// already, taken for a reuse that ends the session.
//
// Errors: not_authenticated (no such token).
func (s *Sessions) SessionOfRefreshToken(ctx context.Context, refreshToken string) (string, error) {
	if refreshToken == "" {
		return "", errNotAuthenticated
	}
	rt, err := s.store.RefreshTokenByHash(ctx, hashRefreshToken(refreshToken))
	if errors.Is(err, store.ErrNotFound) {
		return "", errNotAuthenticated
	}
	if err != nil {
		return "", err
	}
	return rt.SessionID, nil
}

// Logout revokes the caller's session. It takes effect at once: the
// session cache is updated before Logout returns.
func (s *Sessions) Logout(ctx context.Context, p Principal) error {
	now := s.clock.now()
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.RevokeSession(ctx, p.UserID, p.SessionID, now); err != nil {
			return err
		}
		return s.activity.record(ctx, tx, now, Event{Type: shared.EventSignOut, UserID: p.UserID})
	})
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
	now := s.clock.now()
	var ids []string
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if ids, err = tx.RevokeUserSessions(ctx, p.UserID, "", now); err != nil {
			return err
		}
		return s.activity.record(ctx, tx, now, Event{Type: shared.EventSignOutEverywhere, UserID: p.UserID})
	})
	s.live.revoke(ids...)
	s.live.revoke(p.SessionID)
	if err == nil {
		s.events.publish(ctx, eventUser+p.UserID)
	}
	return err
}

// List returns the live sessions of the caller's user.
func (s *Sessions) List(ctx context.Context, p Principal) ([]store.Session, error) {
	now := s.clock.now()
	sessions, err := s.store.ListLiveSessions(ctx, p.UserID, now)
	// One stored under a longer cap, or none, may be past this one's end
	// before the sweep deletes it.
	return slices.DeleteFunc(sessions, func(sess store.Session) bool { return s.outlived(sess.CreatedAt, now) }), err
}

// Reauthenticated records that the caller has just proved who they are
// again (POST /api/auth/reauth) by method ("password", "totp"…), which
// makes their session recent, and notes it in the account's activity.
// Other instances read the session again, through an event.
//
// Errors: not_authenticated (the session has ended).
func (s *Sessions) Reauthenticated(ctx context.Context, p Principal, method string) error {
	now := s.clock.now()
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.Reauthenticated(ctx, p.UserID, p.SessionID, now); err != nil {
			return err
		}
		return s.activity.record(ctx, tx, now, Event{Type: shared.EventReauthenticated, UserID: p.UserID, Detail: methodDetail(method)})
	})
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
	now := s.clock.now()
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.RevokeSession(ctx, p.UserID, sessionID, now); err != nil {
			return err
		}
		sess, err := tx.SessionByID(ctx, sessionID)
		if err != nil {
			return err
		}
		return s.activity.record(ctx, tx, now, Event{Type: shared.EventSessionRevoked, UserID: p.UserID,
			Detail: map[string]string{shared.DetailDevice: deviceName(sess)}})
	})
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
// sessions past their absolute lifetime among them (Config.SessionMaxAge:
// also those stored under a longer cap, or none), and drops stale entries
// from the session and user caches.
func (s *Sessions) FlushExpired(ctx context.Context) (tokens, sessions int64, err error) {
	s.PruneCaches()
	now := s.clock.now()
	var startedBy time.Time
	if s.maxAge > 0 {
		startedBy = now.Add(-s.maxAge)
	}
	return s.store.FlushExpired(ctx, now, startedBy)
}

// PruneCaches drops stale entries from this process's session and user
// caches: what FlushExpired does here, for an instance whose sweep leaves
// the database to another one's.
func (s *Sessions) PruneCaches() {
	now := s.clock.now()
	s.live.prune(now)
	s.users.entries.prune(now)
}
