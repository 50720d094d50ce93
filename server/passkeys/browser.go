package passkeys

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
)

// A sign-in's challenge belongs to the browser that asked for it: begin
// gives the browser a random id in an HttpOnly, SameSite=Strict cookie
// (kept if it has one, so two tabs share it) and stores its SHA-256 with
// the ceremony; finish spends only a ceremony of the id it is sent. An
// assertion taken from one browser (or made for a challenge an attacker
// asked for) then signs no other in, as WebAuthn's §13.4.3 asks of a
// challenge ("bound to the session") and go-webauthn's docs advise for
// its SessionData. The id grants nothing by itself: it only names the
// browser.

const browserCookie = "passkey_browser"

// browserCookieName is the cookie's name: __Host- prefixed unless the
// server runs with insecure cookies.
func browserCookieName(secure bool) string {
	if secure {
		return "__Host-" + browserCookie
	}
	return browserCookie
}

// browserID returns the request's browser id, or "" when it has none (or
// one that is not 32 base64url bytes).
func browserID(r *http.Request, secure bool) string {
	c, err := r.Cookie(browserCookieName(secure))
	if err != nil {
		return ""
	}
	if b, err := base64.RawURLEncoding.DecodeString(c.Value); err != nil || len(b) != 32 {
		return ""
	}
	return c.Value
}

// ensureBrowserID returns the request's browser id, making one when it
// has none, and (re)sets the cookie for as long as a ceremony lives.
func ensureBrowserID(w http.ResponseWriter, r *http.Request, secure bool) string {
	id := browserID(r, secure)
	if id == "" {
		b := make([]byte, 32)
		rand.Read(b) //nolint:errcheck // crypto/rand.Read never fails
		id = base64.RawURLEncoding.EncodeToString(b)
	}
	http.SetCookie(w, &http.Cookie{
		Name: browserCookieName(secure), Value: id, Path: "/", MaxAge: int(ceremonyTTL.Seconds()),
		Secure: secure, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
	return id
}

// browserHash is what a ceremony stores of a browser id.
func browserHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}
