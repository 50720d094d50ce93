package signing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
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

// Token errors. ErrTokenExpired is told apart so clients know to refresh.
var (
	ErrTokenExpired = errors.New("signing: access token expired")
	ErrTokenInvalid = errors.New("signing: access token invalid")
	ErrUnknownKey   = errors.New("signing: access token signed by an unknown key")
)

// AccessClaims are the claims of an access token. They identify a user and
// a session and nothing personal, because JWTs are only signed, not
// encrypted.
type AccessClaims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
}

// AccessTokens issues and parses access tokens with the keys in force.
// Safe for concurrent use.
type AccessTokens struct {
	keys     *Keys
	verified verifiedTokens
	issuer   string
	audience string
	parser   *jwt.Parser
}

// NewAccessTokens returns the codec of access tokens for issuer and
// audience; tokens live as long as keys' AccessTTL, which is also what
// decides when a key retires.
func NewAccessTokens(keys *Keys, issuer, audience string) *AccessTokens {
	return &AccessTokens{
		keys: keys, issuer: issuer, audience: audience,
		verified: verifiedTokens{m: make(map[[32]byte]*AccessClaims)},
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{signingAlg}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithStrictDecoding(), // one encoding per token: no malleable padding bits
			jwt.WithTimeFunc(keys.cfg.Now),
		),
	}
}

// Issue signs an access token for a user's session and returns it with
// its expiry.
func (c *AccessTokens) Issue(userID, sessionID string, now time.Time) (string, time.Time, error) {
	exp := now.Add(c.keys.cfg.AccessTTL)
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
	ring := c.keys.current()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = ring.signerKID
	tok.Header["typ"] = accessTokenType
	signed, err := tok.SignedString(ring.signer)
	return signed, exp, err
}

// Parse verifies an access token: algorithm, signature by a known kid,
// typ, iss, aud, exp, nbf and iat. A kid this instance does not know makes
// it reload the keys (at most once a second) and try again, since another
// instance may already sign with a newer key. Expired tokens give
// ErrTokenExpired, tokens of a kid still unknown ErrUnknownKey, all other
// failures ErrTokenInvalid.
func (c *AccessTokens) Parse(ctx context.Context, raw string) (*AccessClaims, error) {
	claims, err := c.parse(raw)
	if errors.Is(err, ErrUnknownKey) && c.keys.reloadSoon(ctx) {
		claims, err = c.parse(raw)
	}
	return claims, err
}

// parse checks a token with the keyring in force, answering repeat tokens
// from the verified-token cache.
func (c *AccessTokens) parse(raw string) (*AccessClaims, error) {
	ring := c.keys.current()
	key := sha256.Sum256([]byte(raw))
	if claims, ok := c.verified.get(key, ring, c.keys.cfg.Now()); ok {
		return claims, nil
	}
	claims, err := c.verify(ring, raw)
	if err == nil {
		c.verified.put(key, ring, claims)
	}
	return claims, err
}

// verify checks a token's signature and claims against ring.
func (c *AccessTokens) verify(ring *keyring, raw string) (*AccessClaims, error) {
	claims := new(AccessClaims)
	unknownKey := false
	_, err := c.parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != accessTokenType {
			return nil, errors.New("wrong token type")
		}
		kid, _ := t.Header["kid"].(string)
		key, ok := ring.public[kid]
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
		return nil, ErrUnknownKey
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, ErrTokenExpired
	default:
		return nil, ErrTokenInvalid
	}
}
