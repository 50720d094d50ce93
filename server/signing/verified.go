package signing

import (
	"crypto/subtle"
	"hash/maphash"
	"sync"
	"time"
)

// verifiedTokens remembers access tokens whose signature and claims have
// been checked, until they expire. The Ed25519 check is the largest cost of
// an authenticated request, and a client sends the same token for minutes.
// Entries belong to the keyring that verified them: once the keys change,
// every token is verified again (its key may have retired). Revocation does
// not rely on this cache: package auth checks the session on every request.
//
// Lookups run on every authenticated request, so the key is a seeded
// 64-bit hash of the token (hash/maphash, a few tens of nanoseconds where
// SHA-256 took a microsecond), and each entry keeps its token: a hit needs
// the whole string to match, compared in constant time, so neither a hash
// collision nor the comparison's timing can lend one token another's
// claims. The seed is random per process, so nobody outside can aim tokens
// at one entry.
type verifiedTokens struct {
	mu   sync.RWMutex
	seed maphash.Seed
	ring *keyring
	m    map[uint64]verifiedToken
}

type verifiedToken struct {
	raw    string
	claims *AccessClaims
}

const maxVerifiedTokens = 20_000

func newVerifiedTokens() verifiedTokens {
	return verifiedTokens{seed: maphash.MakeSeed(), m: make(map[uint64]verifiedToken)}
}

// key is the lookup key of a token.
func (v *verifiedTokens) key(raw string) uint64 { return maphash.String(v.seed, raw) }

func (v *verifiedTokens) get(raw string, ring *keyring, now time.Time) (*AccessClaims, bool) {
	key := v.key(raw)
	v.mu.RLock()
	e, ok := v.m[key]
	sameKeys := v.ring == ring
	v.mu.RUnlock()
	if !ok || !sameKeys || subtle.ConstantTimeCompare([]byte(e.raw), []byte(raw)) != 1 || !e.claims.ExpiresAt.After(now) {
		return nil, false
	}
	return e.claims, true
}

func (v *verifiedTokens) put(raw string, ring *keyring, claims *AccessClaims) {
	key := v.key(raw)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ring != ring || len(v.m) >= maxVerifiedTokens {
		// New keys, or full (the simplest bound; a miss only costs one
		// signature check).
		clear(v.m)
		v.ring = ring
	}
	v.m[key] = verifiedToken{raw: raw, claims: claims}
}
