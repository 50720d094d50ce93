package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// accessTokenType is the JWT "typ" header of access tokens (RFC 9068 §2.1).
// Checking it keeps any other JWT signed by the same key (an ID token, a
// future purpose) from being accepted as an access token (RFC 8725 §3.11).
const accessTokenType = "at+jwt"

// signingAlg is the only algorithm accepted: pinning it defeats "alg":
// "none" and the HS256-with-the-public-key confusion (RFC 8725 §3.1).
const signingAlg = "EdDSA"

// Token errors. errTokenExpired is told apart so clients know to refresh.
var (
	errTokenExpired = errors.New("auth: access token expired")
	errTokenInvalid = errors.New("auth: access token invalid")
	errUnknownKey   = errors.New("auth: access token signed by an unknown key")
)

// AccessClaims are the claims of an access token. They identify a user and
// a session and nothing personal, because JWTs are only signed, not
// encrypted.
type AccessClaims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
}

// tokenCodec issues and parses access tokens. Its keyring is swapped
// atomically when keys are rotated.
type tokenCodec struct {
	keys     atomic.Pointer[keyring]
	verified verifiedTokens
	now      func() time.Time
	issuer   string
	audience string
	ttl      time.Duration
	parser   *jwt.Parser
}

func newTokenCodec(keys *keyring, issuer, audience string, ttl time.Duration, now func() time.Time) *tokenCodec {
	c := &tokenCodec{
		issuer: issuer, audience: audience, ttl: ttl, now: now,
		verified: verifiedTokens{m: make(map[[32]byte]*AccessClaims)},
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{signingAlg}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithStrictDecoding(), // one encoding per token: no malleable padding bits
			jwt.WithTimeFunc(now),
		),
	}
	c.keys.Store(keys)
	return c
}

// issue signs an access token for a user's session.
func (c *tokenCodec) issue(userID, sessionID string, now time.Time) (string, time.Time, error) {
	exp := now.Add(c.ttl)
	claims := AccessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    c.issuer,
			Subject:   userID,
			Audience:  jwt.ClaimStrings{c.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        rand.Text(),
		},
		SessionID: sessionID,
	}
	keys := c.keys.Load()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = keys.signerKID
	tok.Header["typ"] = accessTokenType
	signed, err := tok.SignedString(keys.signer)
	return signed, exp, err
}

// parse verifies an access token: algorithm, signature by a known kid,
// typ, iss, aud, exp, nbf and iat. Expired tokens give errTokenExpired,
// tokens signed under a kid this keyring lacks errUnknownKey (the caller
// may reload the keys and try again), all other failures errTokenInvalid.
func (c *tokenCodec) parse(raw string) (*AccessClaims, error) {
	key := sha256.Sum256([]byte(raw))
	if claims, ok := c.verified.get(key, c.now()); ok {
		return claims, nil
	}
	claims, err := c.verify(raw)
	if err == nil {
		c.verified.put(key, claims)
	}
	return claims, err
}

// setKeys swaps the keyring. Tokens verified under the old one must be
// verified again (their key may have retired).
func (c *tokenCodec) setKeys(k *keyring) {
	c.keys.Store(k)
	c.verified.clear()
}

// verify checks a token's signature and claims.
func (c *tokenCodec) verify(raw string) (*AccessClaims, error) {
	keys := c.keys.Load()
	claims := new(AccessClaims)
	unknownKey := false
	_, err := c.parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != accessTokenType {
			return nil, errors.New("wrong token type")
		}
		kid, _ := t.Header["kid"].(string)
		key, ok := keys.public[kid]
		if !ok {
			unknownKey = true
			return nil, errors.New("unknown key id")
		}
		return key, nil
	})
	switch {
	case err == nil && claims.Subject != "" && claims.SessionID != "":
		return claims, nil
	case unknownKey:
		return nil, errUnknownKey
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, errTokenExpired
	default:
		return nil, errTokenInvalid
	}
}

// JWK is one public key in a JSON Web Key Set (RFC 7517, RFC 8037 for
// Ed25519).
type JWK struct {
	KeyType   string `json:"kty" const:"OKP"`
	Curve     string `json:"crv" const:"Ed25519"`
	X         string `json:"x" doc:"The public key, base64url without padding."`
	KeyID     string `json:"kid" doc:"The key's RFC 7638 thumbprint; access tokens name it in their header."`
	Use       string `json:"use" const:"sig"`
	Algorithm string `json:"alg" const:"EdDSA"`
}

// JWKS is the document served at /.well-known/jwks.json.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// SchemaDescription describes the types in the OpenAPI document.
func (JWK) SchemaDescription() string  { return "An Ed25519 public key (RFC 8037)." }
func (JWKS) SchemaDescription() string { return "A JSON Web Key Set (RFC 7517)." }

func (k keyring) jwks() JWKS {
	set := JWKS{Keys: []JWK{}}
	for kid, pub := range k.public {
		set.Keys = append(set.Keys, JWK{
			KeyType: "OKP", Curve: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub),
			KeyID: kid, Use: "sig", Algorithm: signingAlg,
		})
	}
	slices.SortFunc(set.Keys, func(a, b JWK) int { return strings.Compare(a.KeyID, b.KeyID) })
	return set
}

// keyID is the RFC 7638 JWK thumbprint of an Ed25519 public key, so a key
// id is derived from the key and cannot collide by accident.
func keyID(pub ed25519.PublicKey) string {
	canonical := fmt.Sprintf(`{"crv":"Ed25519","kty":"OKP","x":"%s"}`, base64.RawURLEncoding.EncodeToString(pub))
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// newRefreshToken returns an opaque refresh token (256 random bits) and
// the hash under which it is stored.
func newRefreshToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashRefreshToken(token)
}

// hashRefreshToken is the lookup key of a refresh token. A plain SHA-256
// is enough (no salt, no stretching): the token has 256 bits of entropy,
// so there is nothing to brute-force.
func hashRefreshToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// verifiedTokens remembers access tokens whose signature and claims have
// been checked, until they expire. The Ed25519 check is the largest cost of
// an authenticated request, and a client sends the same token for minutes;
// the key is the SHA-256 of the whole token, so only that exact string hits.
// The cache is cleared when the keys change. Revocation does not rely on it:
// the session is checked on every request.
type verifiedTokens struct {
	mu sync.RWMutex
	m  map[[32]byte]*AccessClaims
}

const maxVerifiedTokens = 20_000

func (v *verifiedTokens) get(key [32]byte, now time.Time) (*AccessClaims, bool) {
	v.mu.RLock()
	claims, ok := v.m[key]
	v.mu.RUnlock()
	if !ok || !claims.ExpiresAt.After(now) {
		return nil, false
	}
	return claims, true
}

func (v *verifiedTokens) put(key [32]byte, claims *AccessClaims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.m) >= maxVerifiedTokens {
		clear(v.m) // simplest bound; a miss only costs one signature check
	}
	v.m[key] = claims
}

func (v *verifiedTokens) clear() {
	v.mu.Lock()
	defer v.mu.Unlock()
	clear(v.m)
}
