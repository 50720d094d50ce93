package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

// TestSessions_CapEndsTheLeastRecentlyUsed fills the default cap of 50
// live sessions and uses the second one; starting the 51st then ends the
// session unused the longest (the first), and the 52nd the next (the
// third), at once, while the rest live on.
func TestSessions_CapEndsTheLeastRecentlyUsed(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.Hasher = cheapHasher() }))
	if got := ts.Auth.Config().MaxSessions; got != 50 {
		t.Fatalf("default MaxSessions = %d, want 50", got)
	}
	laptop := ts.Browser()
	laptop.Register("ann@example.com", "Ann") // session 1
	pairs := []shared.TokenPair{}
	for len(pairs) < 49 { // sessions 2 to 50
		ts.Advance(time.Second) // distinct times of last use, without waiting
		pairs = append(pairs, ts.Tokens("ann@example.com", apitest.Password))
	}
	ts.Advance(time.Second)
	second := refreshTokens(t, ts, pairs[0]) // session 2 is now the most recently used
	third := pairs[1]

	ts.Advance(time.Second)
	newest := ts.Tokens("ann@example.com", apitest.Password) // session 51
	api := ts.TokenClient()
	laptop.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
	var list shared.SessionsResponse
	r := api.Do("GET", "/api/me/sessions", nil, apitest.Bearer(newest.Access)...)
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &list)
	if len(list.Sessions) != 50 {
		t.Fatalf("%d live sessions, want 50", len(list.Sessions))
	}
	api.Do("GET", "/api/me", nil, apitest.Bearer(second.Access)...).ExpectStatus(t, http.StatusOK)
	api.Do("GET", "/api/me", nil, apitest.Bearer(third.Access)...).ExpectStatus(t, http.StatusOK)

	ts.Advance(time.Second)
	ts.Tokens("ann@example.com", apitest.Password) // session 52
	api.Do("GET", "/api/me", nil, apitest.Bearer(third.Access)...).ExpectError(t, 401, shared.CodeNotAuthenticated)
	api.Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: third.Refresh}).ExpectError(t, 401, shared.CodeNotAuthenticated)
	api.Do("GET", "/api/me", nil, apitest.Bearer(second.Access)...).ExpectStatus(t, http.StatusOK)
}

// refreshTokens spends a token pair's refresh token, a use of its session.
func refreshTokens(t *testing.T, ts *apitest.Server, pair shared.TokenPair) shared.TokenPair {
	t.Helper()
	r := ts.TokenClient().Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh})
	r.ExpectStatus(t, http.StatusOK)
	var next shared.TokenPair
	r.Decode(t, &next)
	return next
}
