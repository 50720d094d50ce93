package signing

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// testCodec returns a codec over one fresh key, with no store behind it.
func testCodec(t testing.TB, now func() time.Time) *AccessTokens {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid := keyID(priv.Public().(ed25519.PublicKey))
	ring := keyring{signer: priv, signerKID: kid, public: map[string]ed25519.PublicKey{kid: priv.Public().(ed25519.PublicKey)}}
	keys := &Keys{cfg: Config{AccessTTL: 5 * time.Minute, Now: now}}
	keys.ring.Store(&ring)
	return NewAccessTokens(keys, "authkit", "authkit")
}

func TestTokens_IssueAndParse(t *testing.T) {
	c := testCodec(t, time.Now)
	tok, exp, err := c.Issue("user-1", "session-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if time.Until(exp) < 4*time.Minute {
		t.Fatalf("exp = %v", exp)
	}
	claims, err := c.parse(tok)
	if err != nil {
		t.Fatal(err)
	}
	if claims.Subject != "user-1" || claims.SessionID != "session-1" || claims.ID == "" || claims.Issuer != "authkit" {
		t.Fatalf("claims = %+v", claims)
	}
}

// TestTokens_ClaimRulesUnderAGenuineSignature signs tokens with the real
// key, so each is refused for its claims or header alone.
func TestTokens_ClaimRulesUnderAGenuineSignature(t *testing.T) {
	now := time.Now()
	c := testCodec(t, func() time.Time { return now })
	good := AccessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "authkit", Subject: "u", Audience: jwt.ClaimStrings{"authkit"},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
		},
		SessionID: "s",
	}
	sign := func(claims AccessClaims, header map[string]any) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
		tok.Header["kid"], tok.Header["typ"] = c.keys.current().signerKID, accessTokenType
		for k, v := range header {
			if v == nil {
				delete(tok.Header, k)
			} else {
				tok.Header[k] = v
			}
		}
		s, err := tok.SignedString(c.keys.current().signer)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if _, err := c.parse(sign(good, nil)); err != nil {
		t.Fatalf("the control token fails: %v", err)
	}
	mod := func(f func(*AccessClaims)) AccessClaims { cl := good; f(&cl); return cl }
	cases := []struct {
		name   string
		token  string
		expect error
	}{
		{"no typ", sign(good, map[string]any{"typ": nil}), ErrTokenInvalid},
		{"typ JWT (e.g. an ID token)", sign(good, map[string]any{"typ": "JWT"}), ErrTokenInvalid},
		{"unknown kid", sign(good, map[string]any{"kid": "other"}), ErrUnknownKey},
		{"wrong iss", sign(mod(func(c *AccessClaims) { c.Issuer = "evil" }), nil), ErrTokenInvalid},
		{"wrong aud", sign(mod(func(c *AccessClaims) { c.Audience = jwt.ClaimStrings{"other"} }), nil), ErrTokenInvalid},
		{"no aud", sign(mod(func(c *AccessClaims) { c.Audience = nil }), nil), ErrTokenInvalid},
		{"no exp", sign(mod(func(c *AccessClaims) { c.ExpiresAt = nil }), nil), ErrTokenInvalid},
		{"nbf in the future", sign(mod(func(c *AccessClaims) { c.NotBefore = jwt.NewNumericDate(now.Add(time.Hour)) }), nil), ErrTokenInvalid},
		{"iat in the future", sign(mod(func(c *AccessClaims) { c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour)) }), nil), ErrTokenInvalid},
		{"no sid", sign(mod(func(c *AccessClaims) { c.SessionID = "" }), nil), ErrTokenInvalid},
		{"no sub", sign(mod(func(c *AccessClaims) { c.Subject = "" }), nil), ErrTokenInvalid},
		{"expired", sign(mod(func(c *AccessClaims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Second)) }), nil), ErrTokenExpired},
		// The clock skew's leeway is for nbf and iat only: an expired
		// token is expired at once, and a future one only within a minute.
		{"expired within the skew", sign(mod(func(c *AccessClaims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-30 * time.Second)) }), nil), ErrTokenExpired},
		{"expired now", sign(mod(func(c *AccessClaims) { c.ExpiresAt = jwt.NewNumericDate(now) }), nil), ErrTokenExpired},
		{"nbf past the skew", sign(mod(func(c *AccessClaims) { c.NotBefore = jwt.NewNumericDate(now.Add(maxClockSkew + time.Second)) }), nil), ErrTokenInvalid},
		{"iat past the skew", sign(mod(func(c *AccessClaims) {
			c.IssuedAt = jwt.NewNumericDate(now.Add(maxClockSkew + time.Second))
			c.ExpiresAt = jwt.NewNumericDate(now.Add(2 * time.Minute))
		}), nil), ErrTokenInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.parse(tc.token); !errors.Is(err, tc.expect) {
				t.Fatalf("parse = %v, want %v", err, tc.expect)
			}
		})
	}
	// A token from an instance whose clock is ahead of this one's, within
	// the skew, is good at once.
	ahead := func(d time.Duration) AccessClaims {
		return mod(func(c *AccessClaims) {
			c.IssuedAt, c.NotBefore = jwt.NewNumericDate(now.Add(d)), jwt.NewNumericDate(now.Add(d))
			c.ExpiresAt = jwt.NewNumericDate(now.Add(d + time.Minute))
		})
	}
	for _, d := range []time.Duration{time.Second, 30 * time.Second, maxClockSkew} {
		if _, err := c.parse(sign(ahead(d), nil)); err != nil {
			t.Errorf("a token issued %v ahead of this clock: %v", d, err)
		}
	}
}

// TestTokens_TimeClaimsMustBeNumbersAndLifetimesBounded signs each token
// with the real key, so only its claims can be what refuses it.
func TestTokens_TimeClaimsMustBeNumbersAndLifetimesBounded(t *testing.T) {
	now := time.Now()
	c := testCodec(t, func() time.Time { return now }) // AccessTTL 5m
	iat, exp := now.Unix(), now.Add(time.Minute).Unix()
	sign := func(claims jwt.MapClaims) string {
		base := jwt.MapClaims{"iss": "authkit", "aud": "authkit", "sub": "u", "sid": "s", "iat": iat, "exp": exp}
		for k, v := range claims {
			if v == nil {
				delete(base, k)
			} else {
				base[k] = v
			}
		}
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, base)
		tok.Header["kid"], tok.Header["typ"] = c.keys.current().signerKID, accessTokenType
		s, err := tok.SignedString(c.keys.current().signer)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ttl := int64((5 * time.Minute).Seconds())
	cases := []struct {
		name   string
		claims jwt.MapClaims
		ok     bool
	}{
		{"numbers (the control)", nil, true},
		{"lifetime of the access TTL plus 59s of skew", jwt.MapClaims{"exp": iat + ttl + 59}, true},
		{"exp as a string", jwt.MapClaims{"exp": fmt.Sprint(exp)}, false},
		{"nbf as a string", jwt.MapClaims{"nbf": fmt.Sprint(iat)}, false},
		{"iat as a string", jwt.MapClaims{"iat": fmt.Sprint(iat)}, false},
		{"exp as null", jwt.MapClaims{"exp": json.RawMessage("null")}, false},
		{"exp as a string under another case", jwt.MapClaims{"exp": nil, "EXP": fmt.Sprint(exp)}, false},
		{"lifetime longer than the access TTL plus skew", jwt.MapClaims{"exp": iat + ttl + 61}, false},
		{"a year-long token", jwt.MapClaims{"exp": now.AddDate(1, 0, 0).Unix()}, false},
		{"no iat, so no bounded lifetime", jwt.MapClaims{"iat": nil}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.parse(sign(tc.claims))
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrTokenInvalid) {
				t.Fatalf("parse = %v, want %v", err, ErrTokenInvalid)
			}
		})
	}
}

func BenchmarkIssueAccessToken(b *testing.B) {
	c := testCodec(b, time.Now)
	for b.Loop() {
		c.Issue("0192f0c4-7f5e-7a8b-9c0d-1e2f3a4b5c6d", "0192f0c4-7f5e-7a8b-9c0d-1e2f3a4b5c6e", time.Now())
	}
}

// BenchmarkParseAccessToken measures a repeat token: a verified-token
// cache hit.
func BenchmarkParseAccessToken(b *testing.B) {
	c := testCodec(b, time.Now)
	tok, _, _ := c.Issue("0192f0c4-7f5e-7a8b-9c0d-1e2f3a4b5c6d", "0192f0c4-7f5e-7a8b-9c0d-1e2f3a4b5c6e", time.Now())
	for b.Loop() {
		if _, err := c.parse(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzParseAccessToken feeds arbitrary strings to the token parser: it
// must never panic and never accept anything it did not sign.
func FuzzParseAccessToken(f *testing.F) {
	c := testCodec(f, time.Now)
	good, _, _ := c.Issue("u", "s", time.Now())
	for _, seed := range []string{good, "", "a.b.c", "..", good + "x", "eyJhbGciOiJub25lIn0.e30.",
		"eyJhbGciOiJFZERTQSIsImtpZCI6IngiLCJ0eXAiOiJhdCtqd3QifQ.e30.AAAA"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		claims, err := c.parse(raw)
		if err == nil && raw != good {
			t.Fatalf("accepted a token it did not issue: %q (%+v)", raw, claims)
		}
	})
}

// BenchmarkVerifyAccessToken measures the full check (Ed25519 signature and
// claims) that the verified-token cache saves on repeat requests.
func BenchmarkVerifyAccessToken(b *testing.B) {
	c := testCodec(b, time.Now)
	tok, _, _ := c.Issue("0192f0c4-7f5e-7a8b-9c0d-1e2f3a4b5c6d", "0192f0c4-7f5e-7a8b-9c0d-1e2f3a4b5c6e", time.Now())
	for b.Loop() {
		if _, _, err := c.verify(c.keys.current(), tok); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTokens_LengthIsBoundedBeforeParsing: a token longer than any the
// codec issues is refused unread, even under a genuine signature (a claim
// padded to 8 KB), while the longest issuer the bound allows for still
// round-trips.
func TestTokens_LengthIsBoundedBeforeParsing(t *testing.T) {
	now := time.Now()
	c := testCodec(t, func() time.Time { return now })
	claims := AccessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "authkit", Subject: "u", Audience: jwt.ClaimStrings{"authkit"},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
			ID: strings.Repeat("x", 8<<10),
		},
		SessionID: "s",
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	ring := c.keys.current()
	tok.Header["kid"], tok.Header["typ"] = ring.signerKID, accessTokenType
	long, err := tok.SignedString(ring.signer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Parse(t.Context(), long); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("a %d-byte token: %v, want ErrTokenInvalid", len(long), err)
	}

	// An issuer of control characters, each escaped to six bytes.
	issuer := strings.Repeat("\x01", 500)
	wide := NewAccessTokens(c.keys, issuer, issuer)
	issued, _, err := wide.Issue("019ab000-0000-7000-8000-000000000001", "019ab000-0000-7000-8000-000000000002", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wide.Parse(t.Context(), issued); err != nil {
		t.Fatalf("a %d-byte token the codec issued: %v", len(issued), err)
	}
}
