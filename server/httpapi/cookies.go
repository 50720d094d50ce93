package httpapi

import (
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/shared"
)

// cookieJar sets and reads the three auth cookies of the browser flow.
//
//   - access: the JWT. HttpOnly so page scripts (and XSS) cannot read it;
//     SameSite=Lax so it rides along on top-level navigation; its Max-Age
//     matches the refresh token's so an expired JWT still reaches the server
//     and gets token_expired (telling the app to refresh) rather than
//     looking like a logout.
//   - refresh: the opaque refresh token. HttpOnly, SameSite=Strict, and
//     scoped to Path=/api/auth so it is sent only to the endpoints that need
//     it, never to the rest of the API or the pages.
//   - csrf: the session's anti-CSRF token, readable by the page so it can
//     echo it in the X-CSRF-Token header. csrf.go issues and checks it;
//     the jar only names and clears it.
//
// The __Host-/__Secure- prefixes require Secure (HTTPS, or localhost in
// browsers); insecure mode drops them for plain-http hosts.
type cookieJar struct {
	secure                        bool
	accessName, refreshName, csrf string
}

func newCookieJar(secure bool) cookieJar {
	if !secure {
		return cookieJar{accessName: shared.AccessCookie, refreshName: shared.RefreshCookie, csrf: shared.CSRFCookie}
	}
	return cookieJar{
		secure:      true,
		accessName:  shared.HostCookiePrefix + shared.AccessCookie,
		refreshName: shared.SecureCookiePrefix + shared.RefreshCookie,
		csrf:        shared.HostCookiePrefix + shared.CSRFCookie,
	}
}

const refreshCookiePath = "/api/auth"

// set stores a freshly issued session's tokens in the browser and
// returns the cookies' Max-Age, which the csrf cookie shares.
func (c cookieJar) set(w http.ResponseWriter, issued auth.Issued, now time.Time) (maxAge int) {
	maxAge = int(issued.RefreshExpires.Sub(now).Seconds())
	http.SetCookie(w, c.cookie(c.accessName, issued.Access, "/", http.SameSiteLaxMode, true, maxAge))
	http.SetCookie(w, c.cookie(c.refreshName, issued.Refresh, refreshCookiePath, http.SameSiteStrictMode, true, maxAge))
	return maxAge
}

// clear removes all three cookies.
func (c cookieJar) clear(w http.ResponseWriter) {
	http.SetCookie(w, c.cookie(c.accessName, "", "/", http.SameSiteLaxMode, true, -1))
	http.SetCookie(w, c.cookie(c.refreshName, "", refreshCookiePath, http.SameSiteStrictMode, true, -1))
	http.SetCookie(w, c.cookie(c.csrf, "", "/", http.SameSiteStrictMode, false, -1))
}

func (c cookieJar) cookie(name, value, path string, sameSite http.SameSite, httpOnly bool, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: path, MaxAge: maxAge,
		Secure: c.secure, HttpOnly: httpOnly, SameSite: sameSite,
	}
}

// value returns the value of the request's first cookie called name, as
// r.Cookie(name).Value would, without parsing every other cookie into an
// http.Cookie first: it runs on every cookie-authenticated request, where
// r.Cookie took 4% of the server's CPU. Like net/http, it accepts a value
// in double quotes and refuses one with a byte it would refuse.
func (c cookieJar) value(r *http.Request, name string) string {
	for _, line := range r.Header["Cookie"] {
		for pair := range strings.SplitSeq(line, ";") {
			// textproto.TrimString trims ASCII white space only, as
			// net/http does: strings.TrimSpace would also take a leading
			// U+00A0 off " __Host-access_token", a name browsers do not
			// hold to the prefix's rules, which another subdomain could
			// then set in the real cookie's place.
			k, v, ok := strings.Cut(textproto.TrimString(pair), "=")
			if !ok || k != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if validCookieValue(v) {
				return v
			}
		}
	}
	return ""
}

// validCookieValue reports whether net/http would accept v as a cookie's
// value: printable ASCII but for the double quote, semicolon and
// backslash (RFC 6265's cookie-octets, plus the space and comma that
// browsers send).
func validCookieValue(v string) bool {
	for i := range len(v) {
		if !cookieOctet[v[i]] {
			return false
		}
	}
	return true
}

// cookieOctet holds validCookieValue's answer for each byte: a lookup a
// byte, where five comparisons took 9% of the kit's time on a cookie's
// GET /api/me (an access token is some 500 bytes).
var cookieOctet = func() (ok [256]bool) {
	for b := ' '; b < 0x7f; b++ {
		ok[b] = b != '"' && b != ';' && b != '\\'
	}
	return ok
}()

func (c cookieJar) access(r *http.Request) string  { return c.value(r, c.accessName) }
func (c cookieJar) refresh(r *http.Request) string { return c.value(r, c.refreshName) }
