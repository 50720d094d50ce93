package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

// TestUnauthorized_EveryAnswerCarriesABearerChallenge: a 401 must name
// how to authenticate in WWW-Authenticate (RFC 9110 §15.5.2, RFC 6750
// §3), whatever refused the request: the guard, a login, a token
// endpoint. An expired access token says invalid_token, so a client
// knows to refresh.
func TestUnauthorized_EveryAnswerCarriesABearerChallenge(t *testing.T) {
	ts := apitest.NewServer(t)
	ts.Browser().Register("ann@example.com", "Ann")
	expired := ts.Tokens("ann@example.com", apitest.Password).Access
	ts.Advance(5*time.Minute + time.Second)

	cases := []struct {
		name      string
		resp      apitest.Response
		code      shared.Code
		challenge string
	}{
		{"no credentials", ts.TokenClient().Do("GET", "/api/me", nil), shared.CodeNotAuthenticated, "Bearer"},
		{"a garbage token", ts.TokenClient().Do("GET", "/api/me", nil, apitest.Bearer("a.b.c")...), shared.CodeNotAuthenticated, "Bearer"},
		{"an expired token", ts.TokenClient().Do("GET", "/api/me", nil, apitest.Bearer(expired)...), shared.CodeTokenExpired,
			`Bearer error="invalid_token", error_description="The access token expired"`},
		{"a wrong password", ts.TokenClient().Do("POST", "/api/token", shared.LoginRequest{Email: "ann@example.com", Password: "not the password"}),
			shared.CodeInvalidCredentials, "Bearer"},
		{"a spent refresh token", ts.TokenClient().Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: "nope"}),
			shared.CodeNotAuthenticated, "Bearer"},
		{"no refresh cookie", ts.Browser().Do("POST", "/api/auth/refresh", nil), shared.CodeNotAuthenticated, "Bearer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.resp.ExpectError(t, 401, tc.code)
			if got := tc.resp.Header.Values("WWW-Authenticate"); len(got) != 1 || got[0] != tc.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.challenge)
			}
		})
	}
	// Other refusals challenge nothing.
	r := ts.TokenClient().Do("PATCH", "/api/me", "{", apitest.Bearer(ts.Tokens("ann@example.com", apitest.Password).Access)...)
	r.ExpectError(t, 400, shared.CodeInvalidJSON)
	if got := r.Header.Get("WWW-Authenticate"); got != "" {
		t.Errorf("a 400: WWW-Authenticate = %q", got)
	}
}

// TestOpenAPI_UnauthorizedAnswersDocumentTheChallenge: every 401 the
// document lists names the WWW-Authenticate header it carries.
func TestOpenAPI_UnauthorizedAnswersDocumentTheChallenge(t *testing.T) {
	ts := apitest.NewServer(t)
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Ref string `json:"$ref"`
			}
		}
		Components struct {
			Responses map[string]struct{ Headers map[string]any }
			Headers   map[string]struct{ Description string }
		}
	}
	ts.TokenClient().Do("GET", "/api/openapi.json", nil).Decode(t, &doc)
	seen := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			resp, ok := op.Responses["401"]
			if !ok {
				continue
			}
			seen++
			name := strings.TrimPrefix(resp.Ref, "#/components/responses/")
			if _, ok := doc.Components.Responses[name].Headers["WWW-Authenticate"]; !ok {
				t.Errorf("%s %s: its 401 (%s) does not document WWW-Authenticate", method, path, name)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no operation lists a 401")
	}
	if doc.Components.Headers["WWWAuthenticate"].Description == "" {
		t.Error("components.headers.WWWAuthenticate is not described")
	}
}
