package auth

import (
	"context"
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
func (s *Sessions) RefreshInBrowser(ctx context.Context, refreshToken string, client Client) (*store.User, Issued, error) {
	return s.refresh(ctx, refreshToken, client, BrowserRefreshGrace)
}

// rotation is the outcome of spending a refresh token. A refusal is a
// value, not an error, so the transaction still commits: the revocation of
// a reused token's session must stick.
type rotation struct {
	user    *store.User
	session *store.Session
	issued  Issued
	reused  string // the session id, when reuse was detected
	refusal error  // errSessionEnded or ErrRefreshRaced
}

func (s *Sessions) refresh(ctx context.Context, refreshToken string, client Client, grace time.Duration) (*store.User, Issued, error) {
	if refreshToken == "" {
		return nil, Issued{}, errNotAuthenticated
	}
	var r rotation
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		r, err = s.rotate(ctx, tx, refreshToken, grace)
		return err
	})
	switch {
	case err != nil:
		return nil, Issued{}, err
	case r.reused != "":
		s.live.revoke(r.reused)
		s.events.publish(ctx, eventSession+r.reused)
		s.log.WarnContext(ctx, "refresh token reuse detected; session revoked", "session_id", r.reused, "ip", client.IP)
		return nil, Issued{}, errSessionEnded
	case r.refusal != nil:
		return nil, Issued{}, r.refusal
	}
	s.live.put(r.issued.SessionID, sessionEntry{userID: r.user.ID, live: true, emailVerified: r.user.EmailVerified,
		authMethod: r.session.AuthMethod, authenticatedAt: r.session.AuthenticatedAt}, s.clock.now())
	return r.user, r.issued, nil
}

// rotate spends refreshToken within tx and stores its successor.
func (s *Sessions) rotate(ctx context.Context, tx *store.Store, refreshToken string, grace time.Duration) (rotation, error) {
	now := s.clock.now()
	old, err := tx.RefreshTokenByHash(ctx, hashRefreshToken(refreshToken))
	if errors.Is(err, store.ErrNotFound) {
		return rotation{refusal: errSessionEnded}, nil
	}
	if err != nil {
		return rotation{}, err
	}
	if old.UsedAt != nil {
		return spentBefore(ctx, tx, old, *old.UsedAt, now, grace)
	}
	sess, err := tx.SessionByID(ctx, old.SessionID)
	if err != nil {
		return rotation{}, err
	}
	if !old.ExpiresAt.After(now) || sess.RevokedAt != nil {
		return rotation{refusal: errSessionEnded}, nil
	}
	u, err := tx.UserByID(ctx, sess.UserID)
	if err != nil {
		return rotation{}, err
	}
	if !u.IsActive {
		return rotation{refusal: errSessionEnded}, nil
	}
	next, hash := newRefreshToken()
	nextRow := &store.RefreshToken{ID: newID(), SessionID: sess.ID, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(s.refreshTTL)}
	won, err := tx.SpendRefreshToken(ctx, old.ID, nextRow.ID, now)
	if err != nil {
		return rotation{}, err
	}
	if !won { // spent just now by a concurrent request or instance
		return spentBefore(ctx, tx, old, now, now, grace)
	}
	issued, err := s.storeSuccessor(ctx, tx, u, nextRow, next, now)
	return rotation{user: u, session: sess, issued: issued}, err
}

// spentBefore handles a token that was already spent (at usedAt): a race
// between tabs within the grace window, theft otherwise.
func spentBefore(ctx context.Context, tx *store.Store, old *store.RefreshToken, usedAt, now time.Time, grace time.Duration) (rotation, error) {
	if now.Sub(usedAt) < grace {
		return rotation{refusal: ErrRefreshRaced}, nil
	}
	_, err := tx.RevokeSessionByID(ctx, old.SessionID, now)
	return rotation{reused: old.SessionID}, err
}

// storeSuccessor saves the next refresh token, extends the session to its
// expiry and issues a matching access token.
func (s *Sessions) storeSuccessor(ctx context.Context, tx *store.Store, u *store.User, next *store.RefreshToken, token string, now time.Time) (Issued, error) {
	if err := tx.CreateRefreshToken(ctx, next); err != nil {
		return Issued{}, err
	}
	if err := tx.TouchSession(ctx, next.SessionID, now, next.ExpiresAt); err != nil {
		return Issued{}, err
	}
	access, accessExp, err := s.tokens.Issue(u.ID, next.SessionID, now)
	if err != nil {
		return Issued{}, err
	}
	return Issued{SessionID: next.SessionID, Access: access, AccessExpires: accessExp, Refresh: token, RefreshExpires: next.ExpiresAt}, nil
}

// newRefreshToken returns an opaque refresh token (256 random bits) and
// the hash under which it is stored.
func newRefreshToken() (token, hash string) {
	token = randomSecret()
	return token, hashRefreshToken(token)
}

// hashRefreshToken is the lookup key of a refresh token.
func hashRefreshToken(token string) string { return secretHash(token) }
