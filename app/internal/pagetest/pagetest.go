// Package pagetest reads pages the way the app's tests check them: as the
// server prerenders them, and as HTML tags with attributes. It is shared
// by the tests of package app and of its modules.
package pagetest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Prerender answers a request for path as the server does, with the
// routes registered so far (call app.Routes first), and returns the status
// and the page. The request carries a session cookie, as a signed-in
// browser's would: the prerender must not use it.
func Prerender(t *testing.T, path string) (int, string) {
	t.Helper()
	h := &app.Handler{Name: "authkit", Title: "authkit"}
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(&http.Cookie{Name: "__Host-access_token", Value: "eyJhbGciOi.secret.sig"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

var (
	tagPattern  = regexp.MustCompile(`<(\w+)((?:\s+[\w-]+(?:="[^"]*")?)*)\s*/?>`)
	attrPattern = regexp.MustCompile(`([\w-]+)(?:="([^"]*)")?`)
)

// tags returns the attributes of each tag element in html, in order.
func tags(html, tag string) []map[string]string {
	var found []map[string]string
	for _, m := range tagPattern.FindAllStringSubmatch(html, -1) {
		if m[1] != tag {
			continue
		}
		attrs := map[string]string{}
		for _, a := range attrPattern.FindAllStringSubmatch(m[2], -1) {
			attrs[a[1]] = a[2]
		}
		found = append(found, attrs)
	}
	return found
}

// TagsByID returns the attributes of each tag element in html, by id.
func TagsByID(html, tag string) map[string]map[string]string {
	found := map[string]map[string]string{}
	for _, attrs := range tags(html, tag) {
		found[attrs["id"]] = attrs
	}
	return found
}

// HasTag reports whether html has a tag element with all of attrs.
func HasTag(html, tag string, attrs map[string]string) bool {
	for _, got := range tags(html, tag) {
		matches := true
		for k, v := range attrs {
			if got[k] != v {
				matches = false
			}
		}
		if matches {
			return true
		}
	}
	return false
}

// TextByID is the text of the element with id, when it holds only text.
func TextByID(html, id string) string {
	m := regexp.MustCompile(`<\w+[^>]*\sid="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(html)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}
