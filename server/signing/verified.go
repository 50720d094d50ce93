package signing

import (
	"hash/maphash"
	"sync"
	"time"
)

// verifiedTokens remembers access tokens whose signature and claims have
// been checked, until they expire. The Ed25519 check is the largest cost of
// an authenticated request, and a client sends the same token for minutes.
// Entries belong to the keyring that verified them: once the keys change,
// every token is verified again (its key may have retired); and an entry
// lasts no longer than its key, which may retire before the next reload
// (keyring.retires). Revocation does
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
	until  time.Time // its expiry, or its key's retirement if sooner
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
	if !ok || !sameKeys || !sameToken(e.raw, raw) || !e.until.After(now) {
		return nil, false
	}
	return e.claims, true
}

// put remembers a token that verified under ring, until it expires or
// its key retires (retires; zero for the signing key), whichever is first.
func (v *verifiedTokens) put(raw string, ring *keyring, claims *AccessClaims, retires time.Time) {
	until := claims.ExpiresAt.Time
	if !retires.IsZero() && retires.Before(until) {
		until = retires
	}
	key := v.key(raw)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ring != ring || len(v.m) >= maxVerifiedTokens {
		// New keys, or full (the simplest bound; a miss only costs one
		// signature check).
		clear(v.m)
		v.ring = ring
	}
	v.m[key] = verifiedToken{raw: raw, claims: claims, until: until}
}

// sameToken reports whether a and b are equal, in a time that depends only
// on their length, as crypto/subtle.ConstantTimeCompare would, but eight
// bytes a step rather than one: a token is some 500 bytes, compared on
// every authenticated request, and the byte loop was 8% of the kit's time
// on GET /api/me (BenchmarkServeMe).
func sameToken(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var diff uint64
	for len(a) >= 8 {
		diff |= word(a) ^ word(b)
		a, b = a[8:], b[8:]
	}
	for i := range len(a) {
		diff |= uint64(a[i] ^ b[i])
	}
	return diff == 0
}

// word is the first eight bytes of s, little-endian (the compiler makes it
// one load).
func word(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
