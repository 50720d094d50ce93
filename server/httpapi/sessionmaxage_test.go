package httpapi_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// The absolute session lifetime (auth.Config.SessionMaxAge, OWASP ASVS
// 3.3.2): a session ends that long after its login however often it is
// used, the refresh then answering as it does for an expired refresh token.

const (
	testRefreshTTL = 2 * time.Hour
	testMaxAge     = 24 * time.Hour
)

func withMaxAge(maxAge time.Duration) apitest.Option {
	return apitest.WithConfig(func(c *auth.Config) {
		c.RefreshTTL, c.SessionMaxAge = testRefreshTTL, maxAge
	})
}

// expectSessionEndedAndCookiesCleared checks a refused cookie refresh
// against what an expired refresh token gets: 401 not_authenticated with
// the same message, and the three cookies cleared.
func expectSessionEndedAndCookiesCleared(t *testing.T, r apitest.Response) {
	t.Helper()
	got := r.ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	expired := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.RefreshTTL = time.Hour }))
	b := expired.Browser()
	b.Register("old@example.com", "Old")
	expired.Advance(time.Hour + time.Second)
	want := b.Do("POST", "/api/auth/refresh", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	if got.Message != want.Message {
		t.Errorf("message %q, want that of an expired refresh token, %q", got.Message, want.Message)
	}
	cleared := map[string]bool{}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.MaxAge < 0 {
			cleared[c.Name] = true
		}
	}
	for _, name := range []string{"__Host-access_token", "__Secure-refresh_token", "__Host-csrf_token"} {
		if !cleared[name] {
			t.Errorf("cookie %s not cleared: %v", name, r.Header.Values("Set-Cookie"))
		}
	}
}

// refreshCookieMaxAge is the Max-Age of the refresh cookie a response sets.
func refreshCookieMaxAge(t *testing.T, r apitest.Response) int {
	t.Helper()
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "__Secure-refresh_token" {
			return c.MaxAge
		}
	}
	t.Fatalf("no refresh cookie set: %v", r.Header.Values("Set-Cookie"))
	return 0
}

func TestSessionMaxAge_DefaultIs30Days(t *testing.T) {
	ts := apitest.NewServer(t)
	if got := ts.Auth.Config().SessionMaxAge; got != 30*24*time.Hour {
		t.Fatalf("default SessionMaxAge = %v, want 720h", got)
	}
}

// TestSessionMaxAge_CookieRefreshedHourlyEndsAtTheCap: a browser that
// refreshes every hour keeps its session up to the cap and not a second
// past it; its last cookies expire with the session, and an access cookie
// still unexpired stops working at the cap, even while its session's
// liveness is cached.
func TestSessionMaxAge_CookieRefreshedHourlyEndsAtTheCap(t *testing.T) {
	ts := apitest.NewServer(t, withMaxAge(testMaxAge))
	ts.Advance(0) // the clock stands still from here: the login is at 0
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	for hour := 1; hour < int(testMaxAge/time.Hour); hour++ {
		ts.Advance(time.Hour)
		r := b.Do("POST", "/api/auth/refresh", nil)
		r.ExpectStatus(t, http.StatusOK)
		want := min(testRefreshTTL, testMaxAge-time.Duration(hour)*time.Hour)
		if got := refreshCookieMaxAge(t, r); got != int(want.Seconds()) {
			t.Fatalf("%d h in: refresh cookie Max-Age = %d s, want %v", hour, got, want)
		}
	}
	// Now 23 h in: the next refresh token lives 1 h (the cap), not 2 h.
	ts.Advance(59*time.Minute + 50*time.Second) // 10 s before the cap
	r := b.Do("POST", "/api/auth/refresh", nil)
	r.ExpectStatus(t, http.StatusOK)
	if got := refreshCookieMaxAge(t, r); got != 10 {
		t.Fatalf("refresh cookie Max-Age = %d s, want 10 (the session's end)", got)
	}
	b.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK) // cached live

	ts.Advance(20 * time.Second) // past the cap, within the cache's 30 s and the token's 5 min
	b.Do("GET", "/api/me", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	expectSessionEndedAndCookiesCleared(t, b.Do("POST", "/api/auth/refresh", nil))
}

// TestSessionMaxAge_TokenFlowRefreshedHourlyEndsAtTheCap: the same for an
// API client: POST /api/token/refresh works until the cap, then answers
// 401 not_authenticated, and the Bearer token of the session stops.
func TestSessionMaxAge_TokenFlowRefreshedHourlyEndsAtTheCap(t *testing.T) {
	ts := apitest.NewServer(t, withMaxAge(testMaxAge), apitest.WithConfig(func(c *auth.Config) { c.Hasher = cheapHasher() }))
	ts.Browser().Register("ann@example.com", "Ann")
	ts.Advance(time.Minute) // the clock stands still from here
	pair := ts.Tokens("ann@example.com", apitest.Password)
	api := ts.TokenClient()
	for range int(testMaxAge/time.Hour) - 1 {
		ts.Advance(time.Hour)
		pair = refreshTokens(t, ts, pair)
	}
	ts.Advance(time.Hour - time.Second) // a second before the cap
	pair = refreshTokens(t, ts, pair)
	api.Do("GET", "/api/me", nil, apitest.Bearer(pair.Access)...).ExpectStatus(t, http.StatusOK)

	ts.Advance(time.Second) // at the cap
	api.Do("GET", "/api/me", nil, apitest.Bearer(pair.Access)...).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	api.Do("POST", "/api/token/verify", shared.VerifyRequest{Token: pair.Access}).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	api.Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
}

// TestSessionMaxAge_ZeroDisables: with no cap (Config's negative, the
// flag's 0), a session refreshed within the refresh lifetime lives on.
func TestSessionMaxAge_ZeroDisables(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) {
		c.RefreshTTL, c.SessionMaxAge = 24*time.Hour, -1
	}))
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	for range 40 { // 40 × 23 h: past the default cap of 30 days
		ts.Advance(23 * time.Hour)
		b.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	}
	b.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)
}

// TestSessionMaxAge_LoweredCapEndsOlderSessionsEverywhere: sessions
// issued under a longer cap (or before there was one) end as soon as an
// instance with a shorter cap sees them past it: its refresh, its access
// check, the sessions list and the sweep, which deletes them.
func TestSessionMaxAge_LoweredCapEndsOlderSessionsEverywhere(t *testing.T) {
	ts := apitest.NewServer(t, withMaxAge(-1), apitest.WithConfig(func(c *auth.Config) { c.Hasher = cheapHasher() }))
	ts.Browser().Register("ann@example.com", "Ann")
	ts.Advance(0) // the clock stands still from here
	old := ts.Tokens("ann@example.com", apitest.Password)
	lowered := ts.SecondInstance(withMaxAge(testMaxAge), apitest.WithConfig(func(c *auth.Config) {
		c.Now, c.Hasher = ts.Now, cheapHasher()
	}))
	for range int(testMaxAge/time.Hour) - 1 { // kept alive on the first instance
		ts.Advance(time.Hour)
		old = refreshTokens(t, ts, old)
	}
	ts.Advance(time.Hour + time.Second)
	old = refreshTokens(t, ts, old) // the uncapped instance still refreshes it
	fresh := lowered.Tokens("ann@example.com", apitest.Password)

	api := lowered.TokenClient()
	api.Do("GET", "/api/me", nil, apitest.Bearer(old.Access)...).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	var list shared.SessionsResponse
	r := api.Do("GET", "/api/me/sessions", nil, apitest.Bearer(fresh.Access)...)
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &list)
	if len(list.Sessions) != 1 || !list.Sessions[0].Current { // the registration's expired long ago
		t.Fatalf("sessions listed: %+v; want only the caller's (not the one past the cap)", list.Sessions)
	}
	api.Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: old.Refresh}).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
}

// TestSessionMaxAge_SweepDeletesSessionsPastTheCap: the sweep deletes a
// session past the cap with its tokens, as it does expired ones, also one
// whose stored expiry a longer cap (or none) set.
func TestSessionMaxAge_SweepDeletesSessionsPastTheCap(t *testing.T) {
	ts := apitest.NewServer(t, withMaxAge(-1), apitest.WithConfig(func(c *auth.Config) { c.Hasher = cheapHasher() }))
	ts.Browser().Register("ann@example.com", "Ann")
	ts.Advance(0) // the clock stands still from here
	lowered := ts.SecondInstance(withMaxAge(testMaxAge), apitest.WithConfig(func(c *auth.Config) {
		c.Now, c.Hasher = ts.Now, cheapHasher()
	}))
	uncapped := ts.Tokens("ann@example.com", apitest.Password)
	cappedPair := lowered.Tokens("ann@example.com", apitest.Password)
	sessionOf := func(access string) string {
		t.Helper()
		p, err := ts.Auth.Sessions.Authenticate(t.Context(), access)
		if err != nil {
			t.Fatal(err)
		}
		return p.SessionID
	}
	ids := []string{sessionOf(uncapped.Access), sessionOf(cappedPair.Access)}
	for range int(testMaxAge/time.Hour) - 1 {
		ts.Advance(time.Hour)
		uncapped = refreshTokens(t, ts, uncapped)
		cappedPair = refreshTokens(t, lowered, cappedPair)
	}
	ts.Advance(time.Hour)
	uncapped = refreshTokens(t, ts, uncapped)
	if _, _, err := lowered.Auth.Sessions.FlushExpired(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := ts.Store.SessionByID(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session %s past the cap: err = %v after the sweep, want it deleted", id, err)
		}
	}
	ts.TokenClient().Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: uncapped.Refresh}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
}
