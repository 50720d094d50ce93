package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared/sso"
)

// An attempt's state is a random value that only the browser that
// started it holds, in a cookie: the callback must present the same value
// in its query and its cookie, which a forged callback (login CSRF: an
// attacker's code in the victim's browser) cannot (RFC 9700 §4.7.1). The
// server keeps the rest of the attempt (nonce, PKCE verifier, where to
// land) under the state's hash and deletes it when it is used, so it works
// once, on any instance.

// attemptTTL bounds how long a person may take at the provider.
const attemptTTL = 10 * time.Minute

// The state cookie is __Host- prefixed (Secure, no Domain, Path=/), so a
// page on a sibling subdomain cannot plant a state of its own (a login
// or connection forged across accounts); the prefix needs Path=/.
// SameSite=Lax, not Strict: the callback is a top-level navigation from
// the provider's site, and a Strict cookie would not come along.
const stateCookiePath = "/"

func (h *handlers) stateCookieName() string {
	if h.kit.API.SecureCookies() {
		return "__Host-authkit_oauth_state"
	}
	return "authkit_oauth_state"
}

func (h *handlers) setStateCookie(w http.ResponseWriter, state string) {
	http.SetCookie(w, h.stateCookie(state, int(attemptTTL.Seconds())))
}

func (h *handlers) clearStateCookie(w http.ResponseWriter) {
	http.SetCookie(w, h.stateCookie("", -1))
}

func (h *handlers) stateCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: h.stateCookieName(), Value: value, Path: stateCookiePath, MaxAge: maxAge,
		Secure: h.kit.API.SecureCookies(), HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
}

// newAttempt makes an attempt of provider p, with a fresh state (which
// it returns, for the URL and the cookie), nonce and PKCE verifier. A
// connection carries the user and session that asked for it.
func (h *handlers) newAttempt(p provider, next string, linker auth.Principal) (string, *attempt) {
	state := rand.Text() // 26 characters of base32: 130 random bits
	now := h.kit.Now().UTC()
	return state, &attempt{
		StateHash: hashState(state), Provider: p.ID(),
		Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier(),
		Next: next, UserID: linker.UserID, SessionID: linker.SessionID,
		CreatedAt: now, ExpiresAt: now.Add(attemptTTL),
	}
}

// saveAttempt stores a, and deletes the attempts that have expired,
// which keeps the table as small as the sign-ins of the last minutes.
func (h *handlers) saveAttempt(ctx context.Context, a *attempt) error {
	return h.kit.Store.InTx(ctx, func(tx *store.Store) error {
		if _, err := deleteExpiredAttempts(ctx, tx, a.CreatedAt); err != nil {
			return err
		}
		_, err := tx.IDB().NewInsert().Model(a).Exec(ctx)
		return store.MapError(err)
	})
}

// deleteExpiredAttempts deletes the attempts that expired before now
// (takeAttempt refuses them) and returns how many.
func deleteExpiredAttempts(ctx context.Context, st *store.Store, now time.Time) (int64, error) {
	res, err := st.IDB().NewDelete().Model((*attempt)(nil)).Where("expires_at < ?", now).Exec(ctx)
	if err != nil {
		return 0, store.MapError(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

var errBadState = fail(sso.FailureInvalidState, errors.New("no attempt matches the state and the cookie"))

// takeAttempt finds the attempt of the callback's state and deletes it.
// The state must match the browser's cookie (compared in constant time),
// name an attempt that nobody has used yet, of this provider, younger
// than attemptTTL.
//
// Errors: invalid_state (a *failure), or the store's.
func (h *handlers) takeAttempt(ctx context.Context, r *http.Request, p provider) (*attempt, error) {
	state := r.URL.Query().Get("state")
	cookie, err := r.Cookie(h.stateCookieName())
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(state)) != 1 {
		return nil, errBadState
	}
	a := new(attempt)
	err = h.kit.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.IDB().NewSelect().Model(a).Where("state_hash = ?", hashState(state)).Scan(ctx); err != nil {
			return store.MapError(err)
		}
		res, err := tx.IDB().NewDelete().Model((*attempt)(nil)).Where("state_hash = ?", a.StateHash).Exec(ctx)
		if err != nil {
			return store.MapError(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return store.ErrNotFound // another request took it first
		}
		return nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, errBadState
	case err != nil:
		return nil, err
	case a.Provider != p.ID() || !h.kit.Now().Before(a.ExpiresAt):
		return nil, errBadState
	}
	return a, nil
}

func hashState(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}
