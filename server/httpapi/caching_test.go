package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/webui"
)

// TestSecurityHeaders_PageRevalidationKeepsThePagePolicy: go-app answers
// a page's revalidation (If-None-Match with the page's ETag) 304 without
// a Content-Type, and so it got the non-page policy. A browser cache
// merges a 304's headers into the stored page (RFC 9111 §4.3.4), so the
// page then ran under "frame-ancestors 'none'" alone: no script-src, no
// connect-src.
func TestSecurityHeaders_PageRevalidationKeepsThePagePolicy(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithOptions(func(o *httpapi.Options) { o.Pages = webui.Handler("test") }))
	b := ts.Browser()
	for _, tc := range []struct{ path, referrer string }{
		{"/login", "same-origin"},
		{"/reset-password?token=x", "no-referrer"},
	} {
		first := b.Do("GET", tc.path, nil)
		first.ExpectStatus(t, http.StatusOK)
		etag := first.Header.Get("ETag")
		if etag == "" {
			t.Fatalf("GET %s: no ETag", tc.path)
		}
		again := b.Do("GET", tc.path, nil, "If-None-Match", etag)
		if again.Status != http.StatusNotModified {
			t.Fatalf("GET %s with If-None-Match: status %d, want 304", tc.path, again.Status)
		}
		if got := again.Header.Get("Content-Security-Policy"); got != pageCSP {
			t.Errorf("GET %s, 304: Content-Security-Policy = %q, want the page's %q", tc.path, got, pageCSP)
		}
		if got := again.Header.Get("Referrer-Policy"); got != tc.referrer {
			t.Errorf("GET %s, 304: Referrer-Policy = %q, want %q", tc.path, got, tc.referrer)
		}
	}
}

// TestOpenAPIDocument_EveryAnswerKeepsItsCacheControl: "Every /api/
// response carries Cache-Control: no-store, but for GET
// /api/openapi.json (no-cache with an ETag)". The document is served by
// http.ServeContent, which answered a Range it could not satisfy with a
// 416 after deleting Cache-Control (and the ETag). Ranges are ignored
// now: the whole document, 200, every time.
func TestOpenAPIDocument_EveryAnswerKeepsItsCacheControl(t *testing.T) {
	ts := apitest.NewServer(t)
	for _, hs := range [][]string{nil, {"Range", "bytes=0-9"}, {"Range", "bytes=99999999-"}, {"Range", "bytes=x"}} {
		r := ts.TokenClient().Do("GET", "/api/openapi.json", nil, hs...)
		if cc := r.Header.Get("Cache-Control"); r.Status != http.StatusOK || cc != "no-cache" {
			t.Errorf("GET /api/openapi.json %v: status %d, Cache-Control %q, want 200 and no-cache", hs, r.Status, cc)
		}
	}
}
