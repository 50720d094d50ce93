package sso_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
	sharedsso "github.com/authkit/authkit/shared/sso"
)

// The attacks on the flow. Each one tampers with one thing only, so the
// check that refuses it is the one named; each ends with the browser at
// /login?error=CODE and without a session.

// withQuery returns rawURL with one query parameter changed.
func withQuery(t *testing.T, rawURL, name, value string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestAttack_AStateThatIsNotTheBrowsersIsRefused(t *testing.T) {
	k := newKit(t)
	b := k.ts.Browser()
	k.idp.Approve(person("ann"))
	callback := k.toCallback(b, k.toProvider(b, "/api/auth/oauth/oidc/start"))
	expectFailure(t, k.finish(b, withQuery(t, callback, "state", "forged-state-value-0123456")), "/login", sharedsso.FailureInvalidState, "oidc")
	k.expectSignedOut(b)
	// The cookie is gone and the attempt with it: the genuine callback,
	// once refused, does not work later.
	expectFailure(t, k.finish(b, callback), "/login", sharedsso.FailureInvalidState, "oidc")
}

// TestAttack_LoginCSRF: an attacker signs in at the provider, then makes
// the victim's browser visit the callback with the attacker's code and
// state. The victim's browser has no state cookie (or another one), so it
// is not signed in as the attacker.
func TestAttack_LoginCSRF(t *testing.T) {
	k := newKit(t)
	attacker := k.ts.Browser()
	k.idp.Approve(person("mallory"))
	callback := k.toCallback(attacker, k.toProvider(attacker, "/api/auth/oauth/oidc/start"))

	victim := k.ts.Browser()
	expectFailure(t, k.finish(victim, callback), "/login", sharedsso.FailureInvalidState, "oidc")
	k.expectSignedOut(victim)

	// A victim in the middle of their own sign-in holds a cookie, but
	// not the attacker's state.
	k.idp.Approve(person("victim"))
	k.toProvider(victim, "/api/auth/oauth/oidc/start")
	expectFailure(t, k.finish(victim, callback), "/login", sharedsso.FailureInvalidState, "oidc")
	k.expectSignedOut(victim)
}

// TestAttack_AnAttemptWorksOnce: replaying the callback with the state
// cookie still attached (copied before it was cleared) finds the attempt
// used.
func TestAttack_AnAttemptWorksOnce(t *testing.T) {
	k := newKit(t)
	b := k.ts.Browser()
	k.idp.Approve(person("ann"))
	callback := k.toCallback(b, k.toProvider(b, "/api/auth/oauth/oidc/start"))
	state, _ := url.Parse(callback)
	cookie := "__Host-authkit_oauth_state=" + state.Query().Get("state")
	if got := k.finish(b, callback); got != "/profile" {
		t.Fatalf("landed on %q", got)
	}
	replay := k.ts.Browser()
	expectFailure(t, k.finish(replay, callback, "Cookie", cookie), "/login", sharedsso.FailureInvalidState, "oidc")
	k.expectSignedOut(replay)
}

func TestAttack_AnAttemptExpiresAfterTenMinutes(t *testing.T) {
	k := newKit(t)
	b := k.ts.Browser()
	k.idp.Approve(person("ann"))
	toProvider := k.toProvider(b, "/api/auth/oauth/oidc/start")
	k.ts.Advance(10*time.Minute + time.Second)
	expectFailure(t, k.finish(b, k.toCallback(b, toProvider)), "/login", sharedsso.FailureInvalidState, "oidc")
	k.expectSignedOut(b)
}

// TestAttack_AStolenCodeIsUselessWithoutItsPKCEVerifier: an attacker who
// intercepts the victim's code and feeds it to their own attempt (their
// own, valid state) has the wrong verifier: the provider refuses the code.
func TestAttack_AStolenCodeIsUselessWithoutItsPKCEVerifier(t *testing.T) {
	k := newKit(t)
	victim := k.ts.Browser()
	k.idp.Approve(person("victim"))
	stolen, _ := url.Parse(k.toCallback(victim, k.toProvider(victim, "/api/auth/oauth/oidc/start")))

	attacker := k.ts.Browser()
	k.idp.Approve(person("mallory"))
	own := k.toCallback(attacker, k.toProvider(attacker, "/api/auth/oauth/oidc/start"))
	expectFailure(t, k.finish(attacker, withQuery(t, own, "code", stolen.Query().Get("code"))), "/login", sharedsso.FailureProvider, "oidc")
	k.expectSignedOut(attacker)
}

func TestAttack_AnIDTokenThatFailsVerificationIsRefused(t *testing.T) {
	k := newKit(t)
	cases := map[string]func(){
		"wrong nonce": func() { k.idp.TamperNextIDToken(func(c jwt.MapClaims) { c["nonce"] = "another-attempts-nonce" }) },
		"no nonce":    func() { k.idp.TamperNextIDToken(func(c jwt.MapClaims) { delete(c, "nonce") }) },
		"expired": func() {
			k.idp.TamperNextIDToken(func(c jwt.MapClaims) { c["exp"] = k.ts.Now().Add(-time.Minute).Unix() })
		},
		"wrong audience": func() { k.idp.TamperNextIDToken(func(c jwt.MapClaims) { c["aud"] = "another-client" }) },
		"several audiences, no azp": func() {
			k.idp.TamperNextIDToken(func(c jwt.MapClaims) { c["aud"] = []string{"another-client", "authkit-test-client"} })
		},
		"another client as azp": func() {
			k.idp.TamperNextIDToken(func(c jwt.MapClaims) { c["azp"] = "another-client" })
		},
		"wrong issuer":         func() { k.idp.TamperNextIDToken(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }) },
		"wrongly signed":       func() { k.idp.SignNextIDTokenWithUnknownKey() },
		"no subject":           func() { k.idp.TamperNextIDToken(func(c jwt.MapClaims) { delete(c, "sub") }) },
		"untampered (control)": nil,
	}
	for name, tamper := range cases {
		b := k.ts.Browser()
		k.idp.Approve(person("ann"))
		if tamper == nil {
			if got := k.walk(b, "/api/auth/oauth/oidc/start"); got != "/profile" {
				t.Errorf("%s: landed on %q", name, got)
			}
			continue
		}
		tamper()
		landed := k.walk(b, "/api/auth/oauth/oidc/start")
		u, _ := url.Parse(landed)
		if u.Path != "/login" || u.Query().Get("error") != string(sharedsso.FailureInvalidToken) {
			t.Errorf("%s: landed on %q, want /login?error=invalid_id_token", name, landed)
		}
		b.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusUnauthorized)
	}
}

func TestAttack_ACallbackWithAnErrorButNoValidStateIsNotActedUpon(t *testing.T) {
	k := newKit(t)
	b := k.ts.Browser()
	expectFailure(t, k.finish(b, "/api/auth/oauth/oidc/callback?error=access_denied&state=whatever"), "/login", sharedsso.FailureInvalidState, "oidc")
}

func TestSignIn_DecliningAtTheProviderSaysSo(t *testing.T) {
	k := newKit(t)
	b := k.ts.Browser()
	k.idp.Decline()
	expectFailure(t, k.walk(b, "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureCancelled, "oidc")
	k.expectSignedOut(b)
}

// TestAttack_StartingAttemptsIsThrottledPerClient: each attempt stores a
// row, so one client may start 30 a minute.
func TestAttack_StartingAttemptsIsThrottledPerClient(t *testing.T) {
	k := newKit(t)
	b := k.ts.Browser()
	for range 30 {
		b.Visit("/api/auth/oauth/oidc/start").ExpectStatus(t, http.StatusFound)
	}
	r := b.Visit("/api/auth/oauth/oidc/start")
	r.ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	k.ts.Advance(time.Minute)
	b.Visit("/api/auth/oauth/oidc/start").ExpectStatus(t, http.StatusFound)
}

// TestAttack_StartingAttemptsCountsAnIPv6NetworkAsOneClient: the limit
// on starts counts a client's /64, as the login throttles do, since a
// host with IPv6 takes new addresses from it at will; another /64 has a
// budget of its own. (The addresses are only the requests' RemoteAddr:
// the handler is called in process, nothing is dialled.)
func TestAttack_StartingAttemptsCountsAnIPv6NetworkAsOneClient(t *testing.T) {
	k := newKit(t)
	start := func(remoteAddr string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api/auth/oauth/oidc/start", nil)
		req.RemoteAddr = remoteAddr
		rec := httptest.NewRecorder()
		k.ts.API.ServeHTTP(rec, req)
		return rec
	}
	apitest.ExpectOneClientPerIPv6Network(t, 30, http.StatusFound, start)
}

// A provider whose claims hold a NUL character (in the subject or the
// address) is answered as a provider error, with nothing stored: no
// database stores a NUL, and storing one failed as a server error.
func TestAttack_ANulInTheProvidersClaimsIsAProviderError(t *testing.T) {
	k := newKit(t)
	for name, tamper := range map[string]func(jwt.MapClaims){
		"subject": func(c jwt.MapClaims) { c["sub"] = "ann\x00" },
		"email":   func(c jwt.MapClaims) { c["email"] = "ann\x00@example.com" },
	} {
		b := k.ts.Browser()
		k.idp.Approve(person("ann"))
		k.idp.TamperNextIDToken(tamper)
		landed := k.walk(b, "/api/auth/oauth/oidc/start")
		u, _ := url.Parse(landed)
		if u.Path != "/login" || u.Query().Get("error") != string(sharedsso.FailureProvider) {
			t.Errorf("%s: landed on %q, want /login?error=provider_error", name, landed)
		}
		b.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusUnauthorized)
	}
}
