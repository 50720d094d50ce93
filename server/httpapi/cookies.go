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
			if v, ok := cookieNamed(pair, name); ok {
				return v
			}
		}
	}
	return ""
}

// values returns the values of the request's cookies called name, as
// value reads them, in the order sent, at most max of them.
func (c cookieJar) values(r *http.Request, name string, max int) []string {
	var vs []string
	for _, line := range r.Header["Cookie"] {
		for pair := range strings.SplitSeq(line, ";") {
			if v, ok := cookieNamed(pair, name); ok && len(vs) < max {
				vs = append(vs, v)
			}
		}
	}
	return vs
}

// cookieNamed returns the value of one name=value pair of a Cookie
// header if the pair is called name and its value is valid.
func cookieNamed(pair, name string) (string, bool) {
	// textproto.TrimString trims ASCII white space only, as net/http
	// does: strings.TrimSpace would also take a leading U+00A0 off
	// " __Host-access_token", a name browsers do not hold to the
	// prefix's rules, which another subdomain could then set in the real
	// cookie's place.
	k, v, ok := strings.Cut(textproto.TrimString(pair), "=")
	if !ok || k != name {
		return "", false
	}
	if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	return v, validCookieValue(v)
}

// validCookieValue reports whether net/http would accept v as a cookie's
// value: printable ASCII but for the double quote, semicolon and
// backslash (RFC 6265's cookie-octets, plus the space and comma that
// browsers send). It runs on every cookie-authenticated request, over an
// access token of some 500 bytes, so it tests eight bytes a step: a loop
// a byte cost 0.3–0.8 µs of GET /api/me's 7 (BenchmarkServeMe/cookie),
// depending on where the linker happened to place it.
func validCookieValue(v string) bool {
	var refused uint64
	for ; len(v) >= 8; v = v[8:] {
		refused |= refusedOctets(word(v))
	}
	tail := uint64(lowBits * 'A') // the last bytes, in a word padded with a valid byte
	for i := range len(v) {
		tail = tail&^(0xff<<(8*i)) | uint64(v[i])<<(8*i)
	}
	return (refused|refusedOctets(tail))&highBits == 0
}

// refusedOctets sets the high bit of x's bytes where a byte is no cookie
// octet (below the space, above '~', or one of the three refused), and
// maybe other bits, but no high bit where every byte is one. The tests
// are those of "Bit Twiddling Hacks" (Sean Eron Anderson): a borrow or
// carry that crosses into the next byte comes from a byte that is
// refused anyway, so they never refuse a word of cookie octets.
func refusedOctets(x uint64) uint64 {
	quote, semicolon, backslash := x^(lowBits*'"'), x^(lowBits*';'), x^(lowBits*'\\')
	return (x-lowBits*' ')&^x | // below ' '
		(x + lowBits*(0x7f-'~') | x) | // above '~'
		(quote-lowBits)&^quote | (semicolon-lowBits)&^semicolon | (backslash-lowBits)&^backslash
}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// word is the first eight bytes of s, little-endian (the compiler makes it
// one load).
func word(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func (c cookieJar) access(r *http.Request) string { return c.value(r, c.accessName) }

// refreshes returns the request's refresh cookies, at most
// maxRefreshCookies of them: one, unless another was planted
// (API.refreshCookie).
func (c cookieJar) refreshes(r *http.Request) []string {
	return c.values(r, c.refreshName, maxRefreshCookies)
}

// maxRefreshCookies bounds the refresh cookies a request is read for,
// each a query: more than a sibling subdomain can plant, one for each
// path of a refresh endpoint (/, /api, /api/, /api/auth, /api/auth/ and
// the endpoint's own) and each domain above the host.
const maxRefreshCookies = 8
