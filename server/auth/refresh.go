package auth

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Refresh spends a refresh token and issues a new pair for the same
// session (rotation). Presenting a token that was already spent is taken
// as theft, since only one party can hold the newest token: the whole
// session is revoked, cutting off both thief and owner (RFC 9700 §4.14.2).
//
// Errors: not_authenticated (unknown, expired, reused or revoked).
func (s *Sessions) Refresh(ctx context.Context, refreshToken string, client Client) (*store.User, Issued, error) {
	return s.refresh(ctx, refreshToken, client, 0)
}

// BrowserRefreshGrace is how soon after its rotation a refresh cookie may
// come back from the client that spent it without counting as reuse. Two
// tabs of one browser share the cookie jar, so both may send the same
// refresh cookie when their access token expires at once; the loser of
// that race is refused with ErrRefreshRaced (and gets no tokens) but the
// session survives, and its retry carries the winner's new cookies.
//
// The grace is for one browser only (lostRace): the spent cookie coming
// back from another address or browser is a reuse at once. Otherwise a
// thief who spent the stolen cookie first, and kept refreshing, would see
// the owner's cookie refused as a lost race every time, and keep the
// session after the owner gave up and signed in again.
const BrowserRefreshGrace = 10 * time.Second

// ErrRefreshRaced is returned by RefreshInBrowser when the refresh token
// was spent moments ago by a concurrent request of the same browser. The
// browser already holds (or is about to receive) newer cookies, so they
// must not be cleared.
var ErrRefreshRaced = shared.NewError(shared.CodeNotAuthenticated, "This session was refreshed by another tab a moment ago. Retry the request.")

// RefreshInBrowser is Refresh for the cookie flow, tolerating the race
// between tabs described at BrowserRefreshGrace.
func (s *Sessions) RefreshInBrowser(ctx context.Context, refreshToken string, client Client) (*store.User, Issued, error) {
	return s.refresh(ctx, refreshToken, client, BrowserRefreshGrace)
}

// rotation is the outcome of spending a refresh token. A refusal is a
// value, not an error, so the transaction still commits: the revocation of
// a reused token's session must stick.
type rotation struct {
	user    *store.User
	session *store.Session
	issued  Issued    // all but the access token, which is signed after the commit
	now     time.Time // when the token was spent
	reused  string    // the session id, when reuse was detected
	refusal error     // errSessionEnded or ErrRefreshRaced
}

func (s *Sessions) refresh(ctx context.Context, refreshToken string, client Client, grace time.Duration) (*store.User, Issued, error) {
	if refreshToken == "" {
		s.stats.refreshMissing.Add(1)
		return nil, Issued{}, errNotAuthenticated
	}
	ctx = WithClient(ctx, client) // a reuse is recorded with the client that presented the token
	// The token, its session and its user are read before the write
	// transaction: on SQLite every write transaction queues for one lane,
	// and the read was a fifth of a rotation's time in it. The writes are
	// conditional (the token still unspent, the session still live), so
	// a change that lands in between is seen there. A token that is
	// unknown, expired or of an ended session never takes the lane.
	// A revocation whose event arrives from here on may postdate the
	// rotation's check that the session is live: the cache then keeps
	// nothing (putRead).
	generation := s.live.readBegins()
	old, err := s.store.RefreshTokenForRotation(ctx, hashRefreshToken(refreshToken))
	if errors.Is(err, store.ErrNotFound) {
		s.stats.refreshRefused.Add(1)
		return nil, Issued{}, errSessionEnded
	}
	if err != nil {
		return nil, Issued{}, err
	}
	if old.UsedAt == nil && !s.usable(old, s.clock.now()) {
		s.stats.refreshRefused.Add(1)
		return nil, Issued{}, errSessionEnded
	}
	var r rotation
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		r, err = s.rotate(ctx, tx, old, client, grace)
		return err
	})
	switch {
	case errors.Is(err, errSessionGone):
		s.stats.refreshRefused.Add(1)
		return nil, Issued{}, errSessionEnded
	case err != nil:
		return nil, Issued{}, err
	case r.reused != "":
		s.reuseDetected(ctx, r.reused, client)
		return nil, Issued{}, errSessionEnded
	case r.refusal == ErrRefreshRaced:
		s.stats.refreshRaced.Add(1)
		return nil, Issued{}, r.refusal
	case r.refusal != nil:
		s.stats.refreshRefused.Add(1)
		return nil, Issued{}, r.refusal
	}
	// The access token is signed after the commit: the rotation is what
	// must be atomic, and on SQLite the write transaction is the one lane
	// every refresh queues for, so nothing else runs inside it.
	r.issued.Access, r.issued.AccessExpires, err = s.tokens.Issue(r.user.ID, r.issued.SessionID, r.now)
	if err != nil {
		return nil, Issued{}, err
	}
	s.live.putRead(r.issued.SessionID, sessionEntry{userID: r.user.ID, live: true, emailVerified: r.user.EmailVerified,
		authMethod: r.session.AuthMethod, authenticatedAt: r.session.AuthenticatedAt, endsAt: s.endOf(r.session.CreatedAt)}, r.now, generation)
	s.stats.refreshRotated.Add(1)
	return r.user, r.issued, nil
}

// rotate spends the token read as old within tx and stores its
// successor: three writes, the first and the last conditional.
func (s *Sessions) rotate(ctx context.Context, tx *store.Store, old *store.RefreshToken, client Client, grace time.Duration) (rotation, error) {
	now := s.clock.now()
	if old.UsedAt != nil {
		return s.spentBefore(ctx, tx, old, client, now, grace)
	}
	if !s.usable(old, now) {
		return rotation{refusal: errSessionEnded}, nil
	}
	sess, u := old.Session, old.Session.User
	next, hash := newRefreshToken()
	nextRow := &store.RefreshToken{ID: newID(), SessionID: sess.ID, TokenHash: hash, CreatedAt: now, ExpiresAt: s.refreshExpiry(sess.CreatedAt, now)}
	won, err := tx.SpendRefreshToken(ctx, old.ID, nextRow.ID, client.digest(), now)
	if err != nil {
		return rotation{}, err
	}
	if !won { // spent since it was read, by a concurrent request or instance
		cur, err := tx.RefreshTokenForRotation(ctx, old.TokenHash)
		if errors.Is(err, store.ErrNotFound) { // deleted with its account
			return rotation{refusal: errSessionEnded}, nil
		}
		if err != nil || cur.UsedAt == nil {
			return rotation{}, cmp.Or(err, errors.New("auth: refresh token neither spent nor unspent"))
		}
		return s.spentBefore(ctx, tx, cur, client, now, grace)
	}
	if err := tx.CreateRefreshToken(ctx, nextRow); err != nil {
		return rotation{}, err
	}
	live, err := tx.TouchSession(ctx, sess.ID, now, nextRow.ExpiresAt)
	if err != nil {
		return rotation{}, err
	}
	if !live { // revoked (a logout, a deactivation) since it was read
		return rotation{}, errSessionGone // rolls back the spend and the new token
	}
	return rotation{user: u, session: sess, now: now, issued: Issued{SessionID: sess.ID, Refresh: next, RefreshExpires: nextRow.ExpiresAt}}, nil
}

// errSessionGone rolls a rotation back when the session ended between
// the read and the writes.
var errSessionGone = errors.New("auth: the session ended during the refresh")

// usable reports whether an unspent token may be rotated at now: unexpired,
// of a live session of an active user, a session not past its absolute
// lifetime (which a token issued under a longer cap, or none, may outlast).
func (s *Sessions) usable(t *store.RefreshToken, now time.Time) bool {
	return t.ExpiresAt.After(now) && t.Session.RevokedAt == nil && t.Session.User.IsActive &&
		!s.outlived(t.Session.CreatedAt, now)
}

// spentBefore handles a token that was already spent, presented again by
// client: a race between tabs when the same client spent it within the
// grace window, theft otherwise. The first detection, which ends the
// session, is recorded on the account.
func (s *Sessions) spentBefore(ctx context.Context, tx *store.Store, old *store.RefreshToken, client Client, now time.Time, grace time.Duration) (rotation, error) {
	if lostRace(old, client, now, grace) {
		return rotation{refusal: ErrRefreshRaced}, nil
	}
	if err := s.revokeReused(ctx, tx, old, now); err != nil {
		return rotation{}, err
	}
	return rotation{reused: old.SessionID}, nil
}

// revokeReused ends the session of old, a spent refresh token presented
// again outside a race: the first detection, which ends the session, is
// recorded on the account. Its caller then calls reuseDetected once the
// transaction tx has committed.
func (s *Sessions) revokeReused(ctx context.Context, tx *store.Store, old *store.RefreshToken, now time.Time) error {
	ended, err := tx.RevokeSessionByID(ctx, old.SessionID, now)
	if err != nil || !ended {
		return err
	}
	sess, err := tx.SessionByID(ctx, old.SessionID)
	if err != nil {
		return err
	}
	return s.activity.record(ctx, tx, now, Event{Type: shared.EventRefreshTokenReused, UserID: sess.UserID,
		Detail: map[string]string{shared.DetailDevice: deviceName(sess)}})
}

// reuseDetected tells this server's cache, the other instances and the
// operator that sessionID ended for a reused refresh token.
func (s *Sessions) reuseDetected(ctx context.Context, sessionID string, client Client) {
	s.stats.refreshReused.Add(1)
	s.live.revoke(sessionID)
	s.events.publish(ctx, eventSession+sessionID)
	s.log.WarnContext(ctx, "refresh token reuse detected; session revoked", "session_id", sessionID, "ip", client.IP)
}

// newRefreshToken returns an opaque refresh token (256 random bits) and
// the hash under which it is stored.
func newRefreshToken() (token, hash string) {
	token = randomSecret()
	return token, hashRefreshToken(token)
}

// hashRefreshToken is the lookup key of a refresh token.
func hashRefreshToken(token string) string { return secretHash(token) }

// digest names the client in a spent refresh token's row (SpentBy): a
// hash of its address and browser, which is all lostRace compares.
func (c Client) digest() string {
	sum := sha256.Sum256([]byte(c.IP + "\x00" + c.UserAgent))
	return hex.EncodeToString(sum[:16])
}

// lostRace reports whether the spent token t, presented again by client
// at now, lost a race between tabs of the browser that spent it: within
// grace of its spending, and from the same client, by the digest stored
// when it was spent. Tabs of one browser send the same address and
// User-Agent (they share a connection, and the cookie jar that makes the
// race). A row spent before digests were kept has none, and counts as
// the same client. A browser that changes address at the very moment of
// a race is taken for a thief and signs in again: a sign-in is what that
// mistake costs, while the opposite one kept a thief in.
func lostRace(t *store.RefreshToken, client Client, now time.Time, grace time.Duration) bool {
	return now.Sub(*t.UsedAt) < grace && (t.SpentBy == "" || t.SpentBy == client.digest())
}
