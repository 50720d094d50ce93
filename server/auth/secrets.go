package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"github.com/google/uuid"
)

// The opaque secrets this package hands out (refresh tokens, the secrets
// in mailed links) share one form: 256 random bits, base64url, stored only
// as their SHA-256. Each kind has its own named helpers (refresh.go,
// onetime.go) so a call site says which secret it means.

// randomSecret returns 256 random bits, base64url without padding.
func randomSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// secretHash is the lookup key of a secret. A plain SHA-256 is enough (no
// salt, no stretching): the secret has 256 bits of entropy, so there is
// nothing to brute-force.
func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// newID returns a time-ordered UUID (v7), which keeps primary-key
// indexes compact.
func newID() string { return uuid.Must(uuid.NewV7()).String() }
