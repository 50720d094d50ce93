package httpapi

import (
	"net/http"
	"strings"
	"time"
)

// Every security header of every response is decided here, for the API
// and for the pages that Options.Pages serves (server/webui) alike; no
// other code sets one. Responses are of two kinds:
//
//   - Pages, that is HTML documents: a Content-Security-Policy that lets
//     the page run only this origin's scripts and compile its WebAssembly
//     ('wasm-unsafe-eval' allows WebAssembly, not JavaScript eval), talk
//     only to this origin and never be framed; go-app's pages need no
//     inline script or style. Their Referer stays on this origin
//     (same-origin), never leaving the site; pages that carry a secret in
//     their address (the mailed /reset-password and /verify-email links,
//     or any page with a token parameter) send none at all, so the token
//     reaches no other log, not even this site's (OWASP Forgot Password
//     Cheat Sheet: Referrer-Policy no-referrer on the reset page).
//   - Everything else (JSON, static files, plain errors): nothing may frame
//     it, and no Referer at all, which matters because the reset and
//     confirmation links carry their token in the URL.
//
// Both kinds get no MIME sniffing (X-Content-Type-Options) and no framing
// in older browsers too (X-Frame-Options), against clickjacking (OWASP
// Secure Headers Project). When --public-url is https, every response
// also carries Strict-Transport-Security (strictTransport), so a browser
// that has seen the site once never tries it over plain http again; the
// cookies are Secure then anyway. It names no subdomains: those may be
// other services.

// pageContentSecurityPolicy is the CSP of pages.
const pageContentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self'; img-src 'self' data:; connect-src 'self'; manifest-src 'self'; " +
	"worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// headerPolicy is the set of security headers of one kind of response.
// The values are built once and shared by every response (a header map
// only ever replaces a value's slice, never writes into it), so setting
// them allocates nothing: they go on every response, and GET /api/me
// answers tens of thousands a second.
type headerPolicy struct {
	contentSecurityPolicy []string
	referrerPolicy        []string
}

var (
	otherPolicy     = headerPolicy{contentSecurityPolicy: headerValue("frame-ancestors 'none'"), referrerPolicy: headerValue("no-referrer")}
	pagePolicy      = headerPolicy{contentSecurityPolicy: headerValue(pageContentSecurityPolicy), referrerPolicy: headerValue("same-origin")}
	tokenPagePolicy = headerPolicy{contentSecurityPolicy: headerValue(pageContentSecurityPolicy), referrerPolicy: headerValue("no-referrer")}

	noSniff     = headerValue("nosniff")
	denyFraming = headerValue("DENY")
)

// headerValue is a one-value header line to share between responses; its
// capacity of one makes an Add copy it rather than write past it.
func headerValue(v string) []string { return []string{v}[:1:1] }

// tokenPages are the pages whose links carry a token: mailed by
// auth.Recovery (password reset, email verification) and by an email
// change (/confirm-email).
var tokenPages = map[string]bool{"/reset-password": true, "/verify-email": true, "/confirm-email": true}

// secretParams are the query parameters that carry a secret into a page:
// a mailed link's token, and the mfa_token of a sign-in's second step
// (the SSO callback lands on /login?mfa_token=…). A page whose address
// holds one sends no Referer, so the secret leaves in no request the
// page makes.
var secretParams = []string{"token", "mfa_token"}

// pagePolicyFor is the policy of an HTML page at r's address.
func pagePolicyFor(r *http.Request) headerPolicy {
	if tokenPages[r.URL.Path] {
		return tokenPagePolicy
	}
	if r.URL.RawQuery != "" {
		q := r.URL.Query()
		for _, p := range secretParams {
			if q.Has(p) {
				return tokenPagePolicy
			}
		}
	}
	return pagePolicy
}

// apply sets the policy's headers (canonical names, so assigned directly).
func (p headerPolicy) apply(h http.Header) {
	h["X-Content-Type-Options"] = noSniff
	h["X-Frame-Options"] = denyFraming
	h["Content-Security-Policy"] = p.contentSecurityPolicy
	h["Referrer-Policy"] = p.referrerPolicy
}

// errorHeaders makes h the header of an error the server answers in a
// handler's place (recoverPanics): a handler that panicked may have set a
// cookie, a Location, a Content-Length or Content-Encoding, or a cache
// lifetime first, and none of them belong on the 500 that replaces its
// answer (a session cookie on it would even start a session). What stays
// is what every response carries: the security headers, and HSTS when the
// site is https; and no error is ever stored by a cache.
func errorHeaders(h http.Header) {
	hsts := h["Strict-Transport-Security"]
	clear(h)
	otherPolicy.apply(h)
	if hsts != nil {
		h["Strict-Transport-Security"] = hsts
	}
	h["Cache-Control"] = noStoreValue
}

// keepCookieDeletions removes the Set-Cookie lines that would store a
// cookie, keeping those that delete one. An error answer may end cookies
// (a refused refresh clears the session's on purpose) but never start
// them: a handler that set session cookies (LogIn, StartSession) and
// then failed must not hand the browser a session with its 4xx. The
// handler's other headers stay (writeError); a panic's 500 drops them all
// (errorHeaders).
func keepCookieDeletions(h http.Header) {
	lines := h["Set-Cookie"]
	if len(lines) == 0 {
		return
	}
	kept := lines[:0]
	for _, line := range lines {
		if c, err := http.ParseSetCookie(line); err == nil && (c.MaxAge < 0 || c.RawExpires != "" && c.Expires.Before(time.Now())) {
			kept = append(kept, line)
		}
	}
	if len(kept) == 0 {
		delete(h, "Set-Cookie")
		return
	}
	h["Set-Cookie"] = kept
}

// hstsValue is one year, what the HSTS preload list asks as a minimum.
var hstsValue = headerValue("max-age=31536000")

// strictTransport adds Strict-Transport-Security to every response, for a
// site served over https (the server is told so by an https --public-url).
func strictTransport(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Strict-Transport-Security"] = hstsValue
		next.ServeHTTP(w, r)
	})
}

// securityHeaders gives every response the headers of its kind. The kind
// is only known once the handler has chosen a Content-Type, so responses
// start with the policy of non-pages and switch to the page policy as
// their header goes out.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherPolicy.apply(w.Header())
		next.ServeHTTP(&policyWriter{ResponseWriter: w, page: pagePolicyFor(r)}, r)
	})
}

// policyWriter applies the page's policy to a response that turns out to
// be an HTML document.
type policyWriter struct {
	http.ResponseWriter
	page    headerPolicy // the policy if it is a page
	decided bool
}

func (w *policyWriter) WriteHeader(status int) {
	w.decide(nil)
	w.ResponseWriter.WriteHeader(status)
}

func (w *policyWriter) Write(b []byte) (int, error) {
	w.decide(b)
	return w.ResponseWriter.Write(b)
}

func (w *policyWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// decide looks at the Content-Type about to be sent; without one, at what
// net/http will sniff from the first bytes of the body.
func (w *policyWriter) decide(body []byte) {
	if w.decided {
		return
	}
	w.decided = true
	contentType := w.Header().Get("Content-Type")
	if contentType == "" && body != nil {
		contentType = http.DetectContentType(body)
	}
	if isHTML(contentType) {
		w.page.apply(w.Header())
	}
}

// isHTML reports whether a Content-Type names an HTML document: its media
// type, before any parameters, is text/html in any case, as
// mime.ParseMediaType would find, but without its allocations (this runs
// on every response).
func isHTML(contentType string) bool {
	mediaType, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mediaType), "text/html")
}
