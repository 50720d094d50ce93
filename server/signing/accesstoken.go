package signing

import (
	"context"
	"crypto/rand"
	"encoding/json"
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

// UnmarshalJSON refuses time claims (exp, nbf, iat) that are not JSON
// numbers. RFC 7519 §2 defines a NumericDate as a JSON number, but jwt's
// NumericDate also reads a string of digits ("exp":"1796092882"): a second
// spelling of one claim, which another verifier of the same token may read
// differently or not at all (RFC 8725 §2.8, §3.11: be strict in what is
// accepted). The check decodes with the same rules as the claims themselves
// (encoding/json: names matched case-insensitively, the last duplicate
// wins), so it looks at exactly the values that will be used.
func (c *AccessClaims) UnmarshalJSON(b []byte) error {
	var times struct {
		ExpiresAt json.RawMessage `json:"exp"`
		NotBefore json.RawMessage `json:"nbf"`
		IssuedAt  json.RawMessage `json:"iat"`
	}
	if err := json.Unmarshal(b, &times); err != nil {
		return err
	}
	for _, raw := range []json.RawMessage{times.ExpiresAt, times.NotBefore, times.IssuedAt} {
		if raw != nil && !isJSONNumber(raw) {
			return errors.New("signing: a time claim is not a JSON number")
		}
	}
	type plain AccessClaims // without this method
	return json.Unmarshal(b, (*plain)(c))
}

// isJSONNumber reports whether a raw JSON value is a number: the only
// values that start with a minus sign or a digit.
func isJSONNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9')
}

// maxClockSkew is how far the clocks of the instances that issue and
// check a token may disagree. A token's nbf and iat may be this far ahead
// of the checking instance's clock: an instance whose clock is behind the
// issuer's would otherwise refuse every token for its first moments, as
// not_authenticated, which clients cannot tell from a logout (RFC 7519
// §4.1.4-5 allow such a leeway). exp gets none: an instance whose clock is
// ahead answers token_expired a little early, and the client refreshes.
const maxClockSkew = 60 * time.Second

// AccessTokens issues and parses access tokens with the keys in force.
// Safe for concurrent use.
type AccessTokens struct {
	keys     *Keys
	verified verifiedTokens
	issuer   string
	audience string
	parser   *jwt.Parser
	maxLen   int // the longest token Parse reads (maxTokenLen)
}

// maxTokenLen is the longest access token this codec can issue, with room
// to spare: the header, the fixed claims and the signature take some 450
// bytes, and iss and aud are the configured strings, which JSON may
// escape to six bytes a byte and base64 grows by a third. Parse refuses
// anything longer before decoding it, so a request cannot make the server
// decode, hash and cache-key a token of the whole header limit (64 KiB)
// that it would only refuse afterwards (RFC 8725 §3.11: be strict in what
// is accepted).
func maxTokenLen(issuer, audience string) int {
	return 2048 + 8*(len(issuer)+len(audience))
}

// NewAccessTokens returns the codec of access tokens for issuer and
// audience; tokens live as long as keys' AccessTTL, which is also what
// decides when a key retires.
func NewAccessTokens(keys *Keys, issuer, audience string) *AccessTokens {
	return &AccessTokens{
		keys: keys, issuer: issuer, audience: audience,
		maxLen:   maxTokenLen(issuer, audience),
		verified: newVerifiedTokens(),
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{signingAlg}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(maxClockSkew), // for nbf and iat; verify holds exp to the second
			jwt.WithStrictDecoding(),     // one encoding per token: no malleable padding bits
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
// typ, iss, aud, exp, nbf and iat (JSON numbers, and exp no later than the
// access lifetime after iat; nbf and iat may be up to maxClockSkew ahead,
// exp is strict). A kid this instance does not know makes
// it reload the keys (at most once a second) and try again, since another
// instance may already sign with a newer key. Expired tokens give
// ErrTokenExpired, tokens of a kid still unknown ErrUnknownKey, all other
// failures ErrTokenInvalid (a token longer than any this codec issues
// among them, unread).
func (c *AccessTokens) Parse(ctx context.Context, raw string) (*AccessClaims, error) {
	if len(raw) > c.maxLen {
		return nil, ErrTokenInvalid
	}
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
	if claims, ok := c.verified.get(raw, ring, c.keys.cfg.Now()); ok {
		return claims, nil
	}
	claims, kid, err := c.verify(ring, raw)
	if err == nil {
		c.verified.put(raw, ring, claims, ring.retires[kid])
	}
	return claims, err
}

// lifetimeAllowed reports whether a token says it was issued (iat) and
// lives no longer than this server issues tokens for, give or take the
// clock skew. A signed token that claims a longer life was not issued by
// this configuration (a key in the wrong hands, or a bug), and accepting it
// would let it outlive every access-token expiry the deployment promises
// (RFC 8725 §3.10 asks for the claims' values to be checked, not only
// their signature).
func (c *AccessTokens) lifetimeAllowed(claims *AccessClaims) bool {
	if claims.IssuedAt == nil || claims.ExpiresAt == nil {
		return false
	}
	return claims.ExpiresAt.Sub(claims.IssuedAt.Time) <= c.keys.cfg.AccessTTL+maxClockSkew
}

// verify checks a token's signature and claims against ring, and returns
// the kid of the key that verified it. A key of the ring that has retired
// by now is an unknown one.
func (c *AccessTokens) verify(ring *keyring, raw string) (*AccessClaims, string, error) {
	claims, now := new(AccessClaims), c.keys.cfg.Now()
	unknownKey := false
	var kid string
	_, err := c.parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != accessTokenType {
			return nil, errors.New("wrong token type")
		}
		kid, _ = t.Header["kid"].(string)
		key, ok := ring.verifier(kid, now)
		if !ok {
			unknownKey = true
			return nil, errors.New("unknown key id")
		}
		return key, nil
	})
	valid := err == nil && claims.Subject != "" && claims.SessionID != "" && c.lifetimeAllowed(claims)
	switch {
	case valid && !claims.ExpiresAt.After(now):
		// The parser's leeway is for clocks that run behind; an expired
		// token stays expired, to the second.
		return nil, "", ErrTokenExpired
	case valid:
		return claims, kid, nil
	case unknownKey:
		return nil, "", ErrUnknownKey
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, "", ErrTokenExpired
	default:
		return nil, "", ErrTokenInvalid
	}
}
