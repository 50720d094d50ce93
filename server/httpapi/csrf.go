package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net/http"
	"time"

	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Cross-site request forgery is stopped in two layers (OWASP CSRF
// Prevention Cheat Sheet), both here:
//
//  1. Cross-origin protection refuses every state-changing request that a
//     browser marks as cross-site (Sec-Fetch-Site, Origin), before any
//     handler runs. That covers login CSRF and forged register or logout
//     requests, which carry no session yet.
//  2. A signed double-submit token guards every state-changing request
//     authenticated by cookie: the page echoes the csrf cookie in the
//     X-CSRF-Token header; the two must be equal and must be the HMAC of
//     the session id under a server secret, so a token an attacker plants
//     (a cookie set from a sibling subdomain) is worthless, and a token is
//     good for one session only. Bearer requests need no token: browsers
//     never attach an Authorization header on their own.

// csrfSecretName names the HMAC key in the store's secrets, shared by
// every instance so a token issued by one checks on all.
const csrfSecretName = "csrf_hmac_key"

// csrfTokens issues and checks the signed double-submit tokens.
type csrfTokens struct {
	key     []byte
	cookies cookieJar
}

// newCSRFTokens loads the HMAC key, creating it on first start; under a
// key encryption key it is stored sealed (signing.EnsureSecret).
func newCSRFTokens(ctx context.Context, st *store.Store, kek signing.KeyEncryptionKey, cookies cookieJar, now time.Time, log *slog.Logger) (*csrfTokens, error) {
	key, err := signing.EnsureSecret(ctx, st, kek, csrfSecretName, now, log)
	if err != nil {
		return nil, err
	}
	return &csrfTokens{key: key, cookies: cookies}, nil
}

// token is the anti-CSRF token of a session: an HMAC of its id.
func (c *csrfTokens) token(sessionID string) string {
	mac := hmac.New(sha256.New, c.key)
	mac.Write([]byte("csrf:" + sessionID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// issue sets the session's token as the csrf cookie, which the page reads
// (it is not HttpOnly) to echo in X-CSRF-Token. It lives as long as the
// session's other cookies.
func (c *csrfTokens) issue(w http.ResponseWriter, sessionID string, maxAge int) {
	http.SetCookie(w, c.cookies.cookie(c.cookies.csrf, c.token(sessionID), "/", http.SameSiteStrictMode, false, maxAge))
}

// cookieValue is the csrf cookie a request carries, or "".
func (c *csrfTokens) cookieValue(r *http.Request) string { return c.cookies.value(r, c.cookies.csrf) }

// check verifies the signed double-submit token of a request made with
// the session's cookies: the header must equal the cookie, and be the
// session's token, both compared in constant time.
//
// Errors: csrf_failed.
func (c *csrfTokens) check(r *http.Request, sessionID string) error {
	header, cookie := r.Header.Get(shared.CSRFHeader), c.cookieValue(r)
	if header == "" || subtle.ConstantTimeCompare([]byte(header), []byte(cookie)) != 1 ||
		!hmac.Equal([]byte(header), []byte(c.token(sessionID))) {
		return shared.NewError(shared.CodeCSRFFailed, "The request's CSRF token is missing or wrong. Reload the page and try again.")
	}
	return nil
}

// denyCrossOrigin is the first layer: it refuses state-changing requests
// that browsers mark as cross-site, with the JSON csrf_failed error.
func denyCrossOrigin(log *slog.Logger, next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, log, shared.NewError(shared.CodeCSRFFailed, "Cross-origin requests are not allowed."))
	}))
	return cop.Handler(next)
}
