package httpapi

import (
	"mime"
	"net/http"
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
//     (same-origin), never leaving the site.
//   - Everything else (JSON, static files, plain errors): nothing may frame
//     it, and no Referer at all, which matters because the reset and
//     confirmation links carry their token in the URL.
//
// Both kinds get no MIME sniffing (X-Content-Type-Options) and no framing
// in older browsers too (X-Frame-Options), against clickjacking (OWASP
// Secure Headers Project). Add Strict-Transport-Security at the
// TLS-terminating proxy, which knows whether the site is served over HTTPS.

// pageContentSecurityPolicy is the CSP of pages.
const pageContentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self'; img-src 'self' data:; connect-src 'self'; manifest-src 'self'; " +
	"worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// headerPolicy is the set of security headers of one kind of response.
type headerPolicy struct {
	contentSecurityPolicy string
	referrerPolicy        string
}

var (
	otherPolicy = headerPolicy{contentSecurityPolicy: "frame-ancestors 'none'", referrerPolicy: "no-referrer"}
	pagePolicy  = headerPolicy{contentSecurityPolicy: pageContentSecurityPolicy, referrerPolicy: "same-origin"}
)

func (p headerPolicy) apply(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", p.contentSecurityPolicy)
	h.Set("Referrer-Policy", p.referrerPolicy)
}

// securityHeaders gives every response the headers of its kind. The kind
// is only known once the handler has chosen a Content-Type, so responses
// start with the policy of non-pages and switch to the page policy as
// their header goes out.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherPolicy.apply(w.Header())
		next.ServeHTTP(&policyWriter{ResponseWriter: w}, r)
	})
}

// policyWriter applies the page policy to a response that turns out to be
// an HTML document.
type policyWriter struct {
	http.ResponseWriter
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
	if mediaType, _, _ := mime.ParseMediaType(contentType); mediaType == "text/html" {
		pagePolicy.apply(w.Header())
	}
}
