package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/authkit/authkit/shared"
)

func TestTokenFlow_ObtainUseRefreshVerify(t *testing.T) {
	ts := newTestServer(t)
	ts.browser().register("ann@example.com", "Ann")
	api := ts.apiClient()

	r := api.do("POST", "/api/token", shared.LoginRequest{Email: "ann@example.com", Password: testPassword})
	r.expectStatus(t, http.StatusOK)
	if len(r.header.Values("Set-Cookie")) != 0 {
		t.Fatalf("token flow set cookies: %v", r.header.Values("Set-Cookie"))
	}
	var pair shared.TokenPair
	r.decode(t, &pair)

	api.do("GET", "/api/me", nil, bearer(pair.Access)...).expectStatus(t, http.StatusOK)
	// Bearer writes need no CSRF token.
	api.do("PATCH", "/api/me", map[string]string{"name": "Ann API"}, bearer(pair.Access)...).expectStatus(t, http.StatusOK)
	api.do("POST", "/api/token/verify", shared.VerifyRequest{Token: pair.Access}).expectStatus(t, http.StatusOK)

	r = api.do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh})
	r.expectStatus(t, http.StatusOK)
	var next shared.TokenPair
	r.decode(t, &next)
	if next.Refresh == pair.Refresh || next.Access == pair.Access {
		t.Fatal("tokens not rotated")
	}
	api.do("GET", "/api/me", nil, bearer(next.Access)...).expectStatus(t, http.StatusOK)

	// Reuse of the first refresh token revokes the session.
	api.do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).expectError(t, 401, shared.CodeNotAuthenticated)
	api.do("GET", "/api/me", nil, bearer(next.Access)...).expectError(t, 401, shared.CodeNotAuthenticated)
	api.do("POST", "/api/token/verify", shared.VerifyRequest{Token: next.Access}).expectError(t, 401, shared.CodeNotAuthenticated)
	api.do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: next.Refresh}).expectError(t, 401, shared.CodeNotAuthenticated)
}

func TestTokenFlow_Errors(t *testing.T) {
	ts := newTestServer(t)
	ts.browser().register("ann@example.com", "Ann")
	api := ts.apiClient()
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
			api.do("POST", c.path, c.body, c.headers...).expectError(t, c.status, c.code)
		})
	}
}

func TestBearer_MalformedHeadersAreRefused(t *testing.T) {
	ts := newTestServer(t)
	ts.browser().register("ann@example.com", "Ann")
	pair := ts.tokens("ann@example.com", testPassword)
	for _, h := range []string{"Bearer", "Bearer ", "Basic " + pair.Access, pair.Access, "Bearer " + pair.Access + " extra", "Bearer x.y.z"} {
		t.Run(h, func(t *testing.T) {
			ts.apiClient().do("GET", "/api/me", nil, "Authorization", h).expectError(t, 401, shared.CodeNotAuthenticated)
		})
	}
	ts.apiClient().do("GET", "/api/me", nil, "Authorization", "bearer "+pair.Access).expectStatus(t, http.StatusOK)
}
