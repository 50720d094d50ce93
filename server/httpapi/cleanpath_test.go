package httpapi_test

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"testing"

	"github.com/uptrace/bun/migrate"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

// folders is a module whose patterns end the ways that make net/http's
// ServeMux redirect a path without the trailing slash to the one with it:
// a subtree ("/api/folders/"), {$} and a {name...} wildcard.
type folders struct{}

func (folders) Name() string                    { return "folders" }
func (folders) Migrations() *migrate.Migrations { return nil }
func (folders) Mount(*httpapi.Kit) ([]httpapi.Route, error) {
	ok := func(w http.ResponseWriter, r *http.Request) error {
		httpapi.WriteJSON(w, http.StatusOK, r.Pattern)
		return nil
	}
	return []httpapi.Route{
		{Pattern: "GET /api/folders/", Response: "", Handler: ok},
		{Pattern: "GET /api/shelves/{$}", Response: "", Handler: ok},
		{Pattern: "GET /api/files/{path...}", Response: "", Handler: ok},
	}, nil
}

// TestUncleanAPIPathsAnswerTheJSON404: net/http's ServeMux would answer
// an unclean path (/api//me, /api/./me, /api/me/../me) and a path that
// lacks a pattern's trailing slash with a redirect and an HTML body;
// under /api/ every answer is the kit's JSON error instead: 404
// not_found, as for any path the API does not serve. A client sends the
// clean path; a redirect would make it send a POST's body twice.
func TestUncleanAPIPathsAnswerTheJSON404(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithModules(folders{}))
	ts.TokenClient().Register("ann@example.com", "Ann")
	tokens := ts.Tokens("ann@example.com", apitest.Password)
	noRedirects := *ts.HTTPClient()
	noRedirects.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api//me"},
		{"GET", "/api/./me"},
		{"GET", "/api/me/../me"},
		{"GET", "/api/me/."},
		{"POST", "/api//auth/logout"},
		{"PATCH", "/api/./me"},
		{"GET", "/api"},
		{"GET", "/api/folders"},
		{"GET", "/api/shelves"},
		{"GET", "/api/files"},
		{"POST", "/api/folders"},
	} {
		req, err := http.NewRequest(tc.method, ts.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tokens.Access)
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e shared.ErrorBody
		if resp.StatusCode != http.StatusNotFound || json.Unmarshal(body, &e) != nil || e.Error == nil || e.Error.Code != shared.CodeNotFound {
			t.Errorf("%s %s: %s (Location %q) %q; want 404 not_found", tc.method, tc.path, resp.Status, resp.Header.Get("Location"), body)
			continue
		}
		if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, ct)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s %s: Cache-Control %q", tc.method, tc.path, cc)
		}
	}
	// The clean paths and the module's own still answer.
	for _, path := range []string{"/api/me", "/api/folders/", "/api/folders/a", "/api/shelves/", "/api/files/a/b"} {
		r := ts.TokenClient().Do("GET", path, nil, apitest.Bearer(tokens.Access)...)
		r.ExpectStatus(t, http.StatusOK)
	}
}
