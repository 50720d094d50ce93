//go:build !wasm

package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

// TestEveryStateChangingRouteRefusesForgedRequests walks every route that
// changes state (the kit's and every module's in main.go, as shipped),
// signed in by cookie as a staff member with a recent login. Each is
// refused with 403 csrf_failed when the browser marks the request
// cross-site (Sec-Fetch-Site, a foreign Origin); and each that acts on a
// session (a guarded route, or one whose document names the csrfToken
// scheme: refresh, logout) also without the X-CSRF-Token header, with a
// wrong one and with another session's. A Bearer request needs no token:
// it gets past the guard.
func TestEveryStateChangingRouteRefusesForgedRequests(t *testing.T) {
	ts, b, me := shippedAsStaff(t)
	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob")
	bobsToken := bob.Cookie(shared.HostCookiePrefix + shared.CSRFCookie)
	needsToken := csrfRoutes(t, b)

	forged := []struct {
		name    string
		headers []string
		all     bool // refused on every route, not only a session's
	}{
		{"cross-site", []string{"Sec-Fetch-Site", "cross-site"}, true},
		{"foreign Origin", []string{"Origin", "https://evil.example"}, true},
		{"no token", []string{shared.CSRFHeader, ""}, false},
		{"wrong token", []string{shared.CSRFHeader, "forged"}, false},
		{"another session's token", []string{shared.CSRFHeader, bobsToken}, false},
	}
	checked := 0
	for _, rt := range ts.API.Routes() {
		method, path := routeAt(rt, me.ID)
		if method == http.MethodGet || method == http.MethodHead {
			continue
		}
		var body any
		if rt.Request != nil {
			body = "{}"
		}
		session := rt.Guard != httpapi.Public || needsToken[rt.Pattern]
		for _, f := range forged {
			if !f.all && !session {
				continue
			}
			t.Run(rt.Pattern+"/"+f.name, func(t *testing.T) {
				b.Do(method, path, body, f.headers...).ExpectError(t, http.StatusForbidden, shared.CodeCSRFFailed)
			})
		}
		if session {
			// Bob's fresh tokens each time (logout-all ends them all); a
			// body goes as text/plain, so a route that reads one refuses
			// it past the guard (415) and changes nothing.
			bearer := apitest.Bearer(ts.Tokens("bob@example.com", apitest.Password).Access)
			r := ts.TokenClient().Do(method, path, body, append(bearer, "Content-Type", "text/plain")...)
			if r.Status == http.StatusForbidden && r.ErrorBody(t).Code == shared.CodeCSRFFailed {
				t.Errorf("%s with a Bearer token: %s", rt.Pattern, r.Body)
			}
		}
		checked++
	}
	if checked < 30 {
		t.Fatalf("only %d routes change state: are the modules mounted?", checked)
	}
	// None of it changed anything.
	var after shared.UserResponse
	b.Do("GET", "/api/me", nil).Decode(t, &after)
	if after.User.Name != "Ann" || !after.User.IsStaff {
		t.Fatalf("the account changed: %+v", after.User)
	}
}

// csrfRoutes are the patterns of the routes whose security in the OpenAPI
// document names the csrfToken scheme.
func csrfRoutes(t *testing.T, c *apitest.Client) map[string]bool {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	c.Do("GET", "/api/openapi.json", nil).Decode(t, &doc)
	out := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if slices.ContainsFunc(op.Security, func(s map[string][]string) bool { _, ok := s["csrfToken"]; return ok }) {
				out[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	if !out["POST /api/auth/refresh"] {
		t.Fatalf("the document names no csrfToken on the refresh: %v", out)
	}
	return out
}
