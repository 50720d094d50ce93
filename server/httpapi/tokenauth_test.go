package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

func TestTokenFlow_ObtainUseRefreshVerify(t *testing.T) {
	ts := apitest.NewServer(t)
	ts.Browser().Register("ann@example.com", "Ann")
	api := ts.TokenClient()

	r := api.Do("POST", "/api/token", shared.LoginRequest{Email: "ann@example.com", Password: apitest.Password})
	r.ExpectStatus(t, http.StatusOK)
	if len(r.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("token flow set cookies: %v", r.Header.Values("Set-Cookie"))
	}
	var pair shared.TokenPair
	r.Decode(t, &pair)

	api.Do("GET", "/api/me", nil, apitest.Bearer(pair.Access)...).ExpectStatus(t, http.StatusOK)
	// Bearer writes need no CSRF token.
	api.Do("PATCH", "/api/me", map[string]string{"name": "Ann API"}, apitest.Bearer(pair.Access)...).ExpectStatus(t, http.StatusOK)
	api.Do("POST", "/api/token/verify", shared.VerifyRequest{Token: pair.Access}).ExpectStatus(t, http.StatusOK)

	r = api.Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh})
	r.ExpectStatus(t, http.StatusOK)
	var next shared.TokenPair
	r.Decode(t, &next)
	if next.Refresh == pair.Refresh || next.Access == pair.Access {
		t.Fatal("tokens not rotated")
	}
	api.Do("GET", "/api/me", nil, apitest.Bearer(next.Access)...).ExpectStatus(t, http.StatusOK)

	// Reuse of the first refresh token revokes the session.
	api.Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).ExpectError(t, 401, shared.CodeNotAuthenticated)
	api.Do("GET", "/api/me", nil, apitest.Bearer(next.Access)...).ExpectError(t, 401, shared.CodeNotAuthenticated)
	api.Do("POST", "/api/token/verify", shared.VerifyRequest{Token: next.Access}).ExpectError(t, 401, shared.CodeNotAuthenticated)
	api.Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: next.Refresh}).ExpectError(t, 401, shared.CodeNotAuthenticated)
}

func TestTokenFlow_Errors(t *testing.T) {
	ts := apitest.NewServer(t)
	ts.Browser().Register("ann@example.com", "Ann")
	api := ts.TokenClient()
	cases := []struct {
		name, path string
		body       any
		headers    []string
		status     int
		code       shared.Code
	}{
		{"obtain wrong password", "/api/token", shared.LoginRequest{Email: "ann@example.com", Password: "wrong password"}, nil, 401, shared.CodeInvalidCredentials},
		{"obtain missing fields", "/api/token", `{}`, nil, 400, shared.CodeValidationFailed},
		{"refresh missing", "/api/token/refresh", `{}`, nil, 400, shared.CodeValidationFailed},
		{"refresh unknown", "/api/token/refresh", shared.RefreshRequest{Refresh: "nope"}, nil, 401, shared.CodeNotAuthenticated},
		{"refresh wrong type", "/api/token/refresh", `{"refresh":42}`, nil, 400, shared.CodeInvalidJSON},
		{"verify garbage", "/api/token/verify", shared.VerifyRequest{Token: "not.a.jwt"}, nil, 401, shared.CodeNotAuthenticated},
		{"verify missing", "/api/token/verify", `{}`, nil, 400, shared.CodeValidationFailed},
		{"form encoded", "/api/token", nil, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, shared.CodeUnsupportedMediaType},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			api.Do("POST", c.path, c.body, c.headers...).ExpectError(t, c.status, c.code)
		})
	}
}

func TestBearer_MalformedHeadersAreRefused(t *testing.T) {
	ts := apitest.NewServer(t)
	ts.Browser().Register("ann@example.com", "Ann")
	pair := ts.Tokens("ann@example.com", apitest.Password)
	for _, h := range []string{"Bearer", "Bearer ", "Basic " + pair.Access, pair.Access, "Bearer " + pair.Access + " extra", "Bearer x.y.z"} {
		t.Run(h, func(t *testing.T) {
			ts.TokenClient().Do("GET", "/api/me", nil, "Authorization", h).ExpectError(t, 401, shared.CodeNotAuthenticated)
		})
	}
	ts.TokenClient().Do("GET", "/api/me", nil, "Authorization", "bearer "+pair.Access).ExpectStatus(t, http.StatusOK)
}

// An API client logging out with an expired access token gets
// token_expired, as on any route, and logs out once it has refreshed: a
// 204 there ended nothing, and the refresh token went on working for
// its 14 days while the client thought the session over.
func TestLogout_WithAnExpiredBearerTokenIsTokenExpired(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.AccessTTL = time.Minute }))
	ts.Browser().Register("ann@example.com", "Ann")
	pair := ts.Tokens("ann@example.com", apitest.Password)
	api := ts.TokenClient()

	ts.Advance(2 * time.Minute)
	api.Do("POST", "/api/auth/logout", nil, apitest.Bearer(pair.Access)...).
		ExpectError(t, http.StatusUnauthorized, shared.CodeTokenExpired)
	var fresh shared.TokenPair
	api.Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).Decode(t, &fresh)
	api.Do("POST", "/api/auth/logout", nil, apitest.Bearer(fresh.Access)...).ExpectStatus(t, http.StatusNoContent)
	api.Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: fresh.Refresh}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	// A token the server never signed is no credential at all: the
	// logout stays idempotent.
	api.Do("POST", "/api/auth/logout", nil, apitest.Bearer("not-a-token")...).ExpectStatus(t, http.StatusNoContent)
}
