package httpapi_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/shared"
)

// TestJWT_Attacks presents forged and misused tokens; every one must be
// refused as not_authenticated (RFC 8725). The claim rules (typ, iss,
// aud, exp, nbf) under a genuine signature are tested in package signing.
func TestJWT_Attacks(t *testing.T) {
	ts := apitest.NewServer(t)
	ts.Browser().Register("ann@example.com", "Ann")
	pair := ts.Tokens("ann@example.com", apitest.Password)

	var jwks signing.JWKS
	ts.TokenClient().Do("GET", "/.well-known/jwks.json", nil).Decode(t, &jwks)
	if len(jwks.Keys) != 1 || jwks.Keys[0].KeyType != "OKP" || jwks.Keys[0].Algorithm != "EdDSA" {
		t.Fatalf("jwks = %+v", jwks)
	}
	kid := jwks.Keys[0].KeyID
	pub, _ := base64.RawURLEncoding.DecodeString(jwks.Keys[0].X)

	// The genuine token's claims, to copy into forgeries.
	var claims signing.AccessClaims
	if _, _, err := jwt.NewParser().ParseUnverified(pair.Access, &claims); err != nil {
		t.Fatal(err)
	}
	header := func(tok *jwt.Token) *jwt.Token {
		tok.Header["kid"], tok.Header["typ"] = kid, "at+jwt"
		return tok
	}

	none, _ := header(jwt.NewWithClaims(jwt.SigningMethodNone, claims)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	hs256, _ := header(jwt.NewWithClaims(jwt.SigningMethodHS256, claims)).SignedString(pub)
	_, foreignKey, _ := ed25519.GenerateKey(rand.Reader)
	foreign, _ := header(jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)).SignedString(foreignKey)

	parts := strings.Split(pair.Access, ".")
	other := claims
	other.Subject = "someone-else"
	otherPayload, _ := jwt.NewWithClaims(jwt.SigningMethodEdDSA, other).SigningString()
	tampered := parts[0] + "." + strings.Split(otherPayload, ".")[1] + "." + parts[2]

	cases := map[string]string{
		"alg none":                  none,
		"HS256 with the public key": hs256,
		"signed by a foreign key":   foreign,
		"tampered payload":          tampered,
		"refresh token as access":   pair.Refresh,
		"empty signature":           parts[0] + "." + parts[1] + ".",
		"garbage":                   "a.b.c",
	}
	for name, token := range cases {
		t.Run(name, func(t *testing.T) {
			ts.TokenClient().Do("GET", "/api/me", nil, apitest.Bearer(token)...).ExpectError(t, 401, shared.CodeNotAuthenticated)
			ts.TokenClient().Do("POST", "/api/token/verify", shared.VerifyRequest{Token: token}).ExpectError(t, 401, shared.CodeNotAuthenticated)
			ts.Browser().Do("GET", "/api/me", nil, "Cookie", "__Host-access_token="+token).ExpectError(t, 401, shared.CodeNotAuthenticated)
		})
	}
	// The genuine token still works.
	ts.TokenClient().Do("GET", "/api/me", nil, apitest.Bearer(pair.Access)...).ExpectStatus(t, 200)
}

// TestJWT_InstancesClocksMayDisagreeByAMinute: instances behind one
// load balancer check each other's tokens, and their clocks are never
// quite equal. A token is good at once on an instance whose clock is up
// to a minute behind the issuer's (its iat and nbf are in that
// instance's future), and still expires to the second on one whose clock
// is ahead; past the documented minute it is refused.
func TestJWT_InstancesClocksMayDisagreeByAMinute(t *testing.T) {
	ts := apitest.NewServer(t)
	ts.Browser().Register("ann@example.com", "Ann")
	pair := ts.Tokens("ann@example.com", apitest.Password)
	issued := ts.Now()
	at := func(offset time.Duration) *apitest.Server {
		return ts.SecondInstance(apitest.WithConfig(func(c *auth.Config) {
			c.Now = func() time.Time { return time.Now().Add(offset) }
		}))
	}
	for _, behind := range []time.Duration{1500 * time.Millisecond, 30 * time.Second, 55 * time.Second} {
		other := at(-behind)
		other.TokenClient().Do("GET", "/api/me", nil, apitest.Bearer(pair.Access)...).ExpectStatus(t, http.StatusOK)
		other.TokenClient().Do("POST", "/api/token/verify", shared.VerifyRequest{Token: pair.Access}).ExpectStatus(t, http.StatusOK)
	}
	at(-2*time.Minute).TokenClient().Do("GET", "/api/me", nil, apitest.Bearer(pair.Access)...).
		ExpectError(t, 401, shared.CodeNotAuthenticated)

	// An instance ahead of the issuer by less than the access lifetime
	// takes the token; one ahead by the lifetime or more, even within a
	// minute's skew of its expiry, finds it expired.
	lifetime := 5 * time.Minute // the default --access-ttl
	at(lifetime-time.Since(issued)-10*time.Second).TokenClient().Do("GET", "/api/me", nil, apitest.Bearer(pair.Access)...).
		ExpectStatus(t, http.StatusOK)
	at(lifetime+30*time.Second).TokenClient().Do("GET", "/api/me", nil, apitest.Bearer(pair.Access)...).
		ExpectError(t, 401, shared.CodeTokenExpired)
}

// TestJWT_KeysNamedByTheTokenAreNeitherFetchedNorTrusted: a token may
// carry its own key (jwk), point to one (jku, x5u) or name one by a kid
// the attacker chose; only the kit's own keys verify, chosen by kid among
// them, and no URL in a token is ever fetched (RFC 8725 §3.10, §2.4).
func TestJWT_KeysNamedByTheTokenAreNeitherFetchedNorTrusted(t *testing.T) {
	ts := apitest.NewServer(t)
	ts.Browser().Register("ann@example.com", "Ann")
	pair := ts.Tokens("ann@example.com", apitest.Password)
	var claims signing.AccessClaims
	if _, _, err := jwt.NewParser().ParseUnverified(pair.Access, &claims); err != nil {
		t.Fatal(err)
	}
	ourKID := func() string {
		tok, _, _ := jwt.NewParser().ParseUnverified(pair.Access, jwt.MapClaims{})
		return tok.Header["kid"].(string)
	}()

	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	x := base64.RawURLEncoding.EncodeToString(pub)
	jwk := map[string]any{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "attacker"}
	var fetched atomic.Int64
	keyServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"attacker","alg":"EdDSA","use":"sig"}]}`))
	}))
	defer keyServer.Close()

	forge := func(header map[string]any) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
		tok.Header["typ"] = "at+jwt"
		for k, v := range header {
			tok.Header[k] = v
		}
		s, err := tok.SignedString(priv)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	cases := map[string]string{
		"embedded jwk, its kid":         forge(map[string]any{"kid": "attacker", "jwk": jwk}),
		"embedded jwk, our kid":         forge(map[string]any{"kid": ourKID, "jwk": jwk}),
		"jku to the attacker's keys":    forge(map[string]any{"kid": "attacker", "jku": keyServer.URL}),
		"x5u to the attacker's keys":    forge(map[string]any{"kid": "attacker", "x5u": keyServer.URL}),
		"no kid (no fallback to a key)": forge(map[string]any{"jwk": jwk}),
		"empty kid":                     forge(map[string]any{"kid": ""}),
		"kid not a string":              forge(map[string]any{"kid": 1}),
	}
	for name, token := range cases {
		t.Run(name, func(t *testing.T) {
			ts.TokenClient().Do("GET", "/api/me", nil, apitest.Bearer(token)...).ExpectError(t, 401, shared.CodeNotAuthenticated)
			ts.TokenClient().Do("POST", "/api/token/verify", shared.VerifyRequest{Token: token}).ExpectError(t, 401, shared.CodeNotAuthenticated)
		})
	}
	if n := fetched.Load(); n != 0 {
		t.Fatalf("the server fetched a key URL named by a token %d times", n)
	}
}
