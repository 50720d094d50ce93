package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/webui"
	"github.com/authkit/authkit/shared"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	ts := apitest.NewServer(t)
	for _, path := range []string{"/api/me", "/healthz", "/api/nope"} {
		r := ts.TokenClient().Do("GET", path, nil)
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
		} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", path, h, got, want)
			}
		}
	}
}

// pageCSP is the policy of the web app's pages: only this origin's scripts
// and WebAssembly, no framing.
const pageCSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self'; img-src 'self' data:; connect-src 'self'; manifest-src 'self'; " +
	"worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// TestSecurityHeaders_PagesGetThePagePolicyTheirFilesTheAPIs serves the
// real web app through the API, as serve does: HTML pages (the not-found
// page too) get the page policy, pages whose links carry a token the page
// policy without any Referer, every other file the API's.
func TestSecurityHeaders_PagesGetThePagePolicyTheirFilesTheAPIs(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithOptions(func(o *httpapi.Options) { o.Pages = webui.Handler("test") }))
	page := map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
		"Content-Security-Policy": pageCSP, "Referrer-Policy": "same-origin",
	}
	tokenPage := map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
		"Content-Security-Policy": pageCSP, "Referrer-Policy": "no-referrer",
	}
	other := map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
		"Content-Security-Policy": "frame-ancestors 'none'", "Referrer-Policy": "no-referrer",
	}
	cases := []struct {
		path   string
		status int
		want   map[string]string
	}{
		{"/", http.StatusOK, page},
		{"/login", http.StatusOK, page},
		{"/reset-password?token=x", http.StatusOK, tokenPage},
		{"/reset-password", http.StatusOK, tokenPage},
		{"/verify-email?token=x", http.StatusOK, tokenPage},
		// The account module's page is not listed here, so its address
		// answers the not-found page: the policy goes by the address.
		{"/confirm-email?token=x", http.StatusNotFound, tokenPage},
		{"/confirm-email", http.StatusNotFound, tokenPage},
		{"/login?mfa_token=x&methods=totp", http.StatusOK, tokenPage},
		{"/login?next=/profile", http.StatusOK, page},
		{"/no/such/page", http.StatusNotFound, page},
		{"/web/app.css", http.StatusOK, other},
		{"/robots.txt", http.StatusOK, other},
		{"/app.js", http.StatusOK, other},
		{"/web/nope.css", http.StatusNotFound, other},
		{"/api/me", http.StatusUnauthorized, other},
	}
	for _, tc := range cases {
		r := ts.Browser().Do("GET", tc.path, nil)
		if r.Status != tc.status {
			t.Errorf("GET %s: status %d, want %d", tc.path, r.Status, tc.status)
		}
		for h, want := range tc.want {
			if got := r.Header.Get(h); got != want {
				t.Errorf("GET %s: %s = %q, want %q", tc.path, h, got, want)
			}
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q", tc.path, csp)
		}
	}
}

// TestEveryAPIResponseIsNoStore checks the /api/ answers that no route
// writes: the refusal of a cross-origin request and the 404 of an unclean
// path (which the mux would redirect) carry Cache-Control: no-store like
// every other.
func TestEveryAPIResponseIsNoStore(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	responses := map[string]apitest.Response{
		"cross-site POST": b.Do("POST", "/api/auth/logout", nil, "Sec-Fetch-Site", "cross-site"),
		"foreign Origin":  b.Do("PATCH", "/api/me", `{"name":"Eve"}`, "Origin", "https://evil.example"),
		"unclean /api//":  b.Visit("/api//me"),
		"unclean /./":     b.Visit("/api/./me"),
	}
	responses["cross-site POST"].ExpectError(t, http.StatusForbidden, shared.CodeCSRFFailed)
	responses["foreign Origin"].ExpectError(t, http.StatusForbidden, shared.CodeCSRFFailed)
	responses["unclean /api//"].ExpectError(t, http.StatusNotFound, shared.CodeNotFound)
	for name, r := range responses {
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control = %q, want no-store", name, got)
		}
	}
}

// TestStrictTransportSecurityOnlyWithAnHTTPSPublicURL: a server whose
// public URL is https tells browsers to come back over https only, on
// every response; one on plain http never does.
func TestStrictTransportSecurityOnlyWithAnHTTPSPublicURL(t *testing.T) {
	https := apitest.NewServer(t) // its public URL is its own, https
	plain := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.PublicURL = "http://localhost:8080" }))
	for _, path := range []string{"/api/me", "/healthz", "/api/nope", "/.well-known/jwks.json"} {
		if got := https.TokenClient().Do("GET", path, nil).Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("https public URL, GET %s: Strict-Transport-Security = %q", path, got)
		}
		if got := plain.TokenClient().Do("GET", path, nil).Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("http public URL, GET %s: Strict-Transport-Security = %q", path, got)
		}
	}
	// A scheme may be spelled in any case (RFC 3986 §3.1), and serve
	// accepts --public-url HTTPS://…: that is https all the same.
	capitals := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.PublicURL = "HTTPS://" + strings.TrimPrefix(c.PublicURL, "https://") }))
	if got := capitals.TokenClient().Do("GET", "/api/me", nil).Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("HTTPS:// public URL: Strict-Transport-Security = %q", got)
	}
	r := https.TokenClient().Do("POST", "/api/auth/logout", nil, "Sec-Fetch-Site", "cross-site")
	if r.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no Strict-Transport-Security on the cross-origin refusal")
	}
}
