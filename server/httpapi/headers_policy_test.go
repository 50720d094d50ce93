package httpapi

import (
	"mime"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestSecurityHeaders_KindFollowsTheContentType checks the decision
// itself, including bodies whose type net/http sniffs.
func TestSecurityHeaders_KindFollowsTheContentType(t *testing.T) {
	cases := []struct {
		name  string
		serve func(w http.ResponseWriter)
		want  headerPolicy
	}{
		{"declared html, other case and spacing", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", " Text/HTML ;charset=utf-8")
			w.WriteHeader(http.StatusOK)
		}, pagePolicy},
		{"a type that only starts like html", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html-fragment")
			w.WriteHeader(http.StatusOK)
		}, otherPolicy},
		{"declared html", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusOK)
		}, pagePolicy},
		{"sniffed html", func(w http.ResponseWriter) { w.Write([]byte("<!doctype html><p>hi")) }, pagePolicy},
		{"json", func(w http.ResponseWriter) { writeJSON(w, http.StatusOK, map[string]string{}) }, otherPolicy},
		{"plain error", func(w http.ResponseWriter) { http.Error(w, "nope", http.StatusNotFound) }, otherPolicy},
		{"no body", func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }, otherPolicy},
	}
	for _, tc := range cases {
		rec := httptest.NewRecorder()
		securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tc.serve(w) })).
			ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		h := rec.Header()
		if h.Get("Content-Security-Policy") != tc.want.contentSecurityPolicy[0] || h.Get("Referrer-Policy") != tc.want.referrerPolicy[0] ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v, want policy %+v", tc.name, h, tc.want)
		}
	}
}

// TestIsHTML_AgreesWithParseMediaType holds the cheap check to the
// standard parser's answer on the shapes a Content-Type takes.
func TestIsHTML_AgreesWithParseMediaType(t *testing.T) {
	for _, ct := range []string{
		"text/html", "text/html; charset=utf-8", "TEXT/HTML;charset=utf-8", "  text/html  ; q=1",
		"text/htmlx", "text/html-fragment", "application/json; charset=utf-8", "text/plain", "",
		"text/html; bad parameter", "text /html", "application/xhtml+xml",
	} {
		mediaType, _, _ := mime.ParseMediaType(ct)
		if want := mediaType == "text/html"; isHTML(ct) != want {
			t.Errorf("isHTML(%q) = %v, want %v", ct, !want, want)
		}
	}
}
