package signing

import (
	"sync"
	"time"
)

// verifiedTokens remembers access tokens whose signature and claims have
// been checked, until they expire. The Ed25519 check is the largest cost of
// an authenticated request, and a client sends the same token for minutes;
// the key is the SHA-256 of the whole token, so only that exact string hits.
// Entries belong to the keyring that verified them: once the keys change,
// every token is verified again (its key may have retired). Revocation does
// not rely on this cache: package auth checks the session on every request.
type verifiedTokens struct {
	mu   sync.RWMutex
	ring *keyring
	m    map[[32]byte]*AccessClaims
}

const maxVerifiedTokens = 20_000

func (v *verifiedTokens) get(key [32]byte, ring *keyring, now time.Time) (*AccessClaims, bool) {
	v.mu.RLock()
	claims, ok := v.m[key]
	sameKeys := v.ring == ring
	v.mu.RUnlock()
	if !ok || !sameKeys || !claims.ExpiresAt.After(now) {
		return nil, false
	}
	return claims, true
}

func (v *verifiedTokens) put(key [32]byte, ring *keyring, claims *AccessClaims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ring != ring || len(v.m) >= maxVerifiedTokens {
		// New keys, or full (the simplest bound; a miss only costs one
		// signature check).
		clear(v.m)
		v.ring = ring
	}
	v.m[key] = claims
}
