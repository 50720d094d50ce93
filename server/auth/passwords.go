package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are argon2id cost parameters. Hashes carry their own
// parameters (PHC string format), so the defaults can be raised later and
// old hashes still verify, then get rehashed at the next login.
type Argon2Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultArgon2 is one of the argon2id settings the OWASP Password Storage
// Cheat Sheet lists as equivalent: 7 MiB of memory, 5 passes, 1 lane. Its
// neighbours trade memory for passes (46 MiB×1, 19×2, 12×3, 9×4, 7×5) at
// about the same cost to an attacker; the kit takes the lowest memory so
// that two hashes at once (one per core) keep the server's resident memory
// small under a burst of logins, at the same hashes per second as 19×2.
// Hashes made with other settings keep verifying and are redone with these
// at the next login.
var DefaultArgon2 = Argon2Params{MemoryKiB: 7 * 1024, Time: 5, Threads: 1}

// owaspMinMemoryMiB is the OWASP table: the least memory (MiB) that makes
// argon2id with a given number of passes as costly as its recommended
// minimum. Passes past 5 keep the 5-pass floor.
var owaspMinMemoryMiB = map[uint32]uint32{1: 46, 2: 19, 3: 12, 4: 9, 5: 7}

// CheckOWASP reports whether p is at least as strong as one line of the
// OWASP table, so an operator's --argon2-memory/--argon2-time cannot quietly
// weaken password storage.
func (p Argon2Params) CheckOWASP() error {
	floor, ok := owaspMinMemoryMiB[min(p.Time, 5)]
	if !ok || p.MemoryKiB < floor*1024 || p.Threads == 0 {
		return fmt.Errorf("argon2id with %d MiB and %d passes is below OWASP's minimum (46 MiB×1, 19×2, 12×3, 9×4 or 7×5 passes)", p.MemoryKiB/1024, p.Time)
	}
	return p.checkBounds()
}

// The most a stored hash may ask of one check (decodeHash): a tampered
// hash must not make one login cost gigabytes.
const (
	MaxArgon2MemoryKiB = 1 << 20 // 1 GiB
	MaxArgon2Time      = 16
)

// checkBounds reports whether hashes made with p are ones decodeHash
// reads back: above its bounds, every hash made, the dummy one for
// unknown accounts included, would be refused as malformed, so no one
// registered could sign in, and unknown accounts would cost no work.
func (p Argon2Params) checkBounds() error {
	if p.MemoryKiB > MaxArgon2MemoryKiB || p.Time > MaxArgon2Time || p.Threads == 0 {
		return fmt.Errorf("argon2id with %d MiB, %d passes and %d lanes is outside what a stored hash may ask (at most %d MiB and %d passes, one lane or more)",
			p.MemoryKiB/1024, p.Time, p.Threads, MaxArgon2MemoryKiB/1024, MaxArgon2Time)
	}
	return nil
}

const (
	saltLen = 16
	keyLen  = 32
)

var errMalformedHash = errors.New("auth: malformed password hash")

// Hasher hashes and checks passwords with argon2id. It bounds how many
// hashes run at once: each one takes MemoryKiB of memory, so a burst of
// logins must queue rather than exhaust the machine.
type Hasher struct {
	params      Argon2Params
	slots       chan struct{}
	dummy       string // a real hash of a random password, for unknown accounts
	derivations atomic.Uint64
}

// NewHasher returns a Hasher with the given parameters, running at most
// one hash per CPU at a time.
func NewHasher(p Argon2Params) *Hasher {
	h := &Hasher{params: p, slots: make(chan struct{}, runtime.GOMAXPROCS(0))}
	h.dummy, _ = h.Hash(context.Background(), rand.Text())
	// That hash left MemoryKiB of garbage; hand it back to the OS now
	// rather than carry it as resident memory until the next GC cycle.
	debug.FreeOSMemory()
	return h
}

// Hash returns the PHC-encoded argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	key, err := h.derive(ctx, password, salt, h.params, keyLen)
	if err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.MemoryKiB, h.params.Time, h.params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// NoPassword is the password_hash of an account that has no password
// (one made by signing in with Google, GitHub or a company's SSO): no
// password matches it, and Verify checks it with the same work as a real
// hash, so timing does not tell such accounts apart.
const NoPassword = ""

// Verify reports whether password matches encoded, comparing in constant
// time, and whether the hash should be replaced because its parameters
// are below the current ones. An account without a password (NoPassword)
// matches nothing, after the work of a real check.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	if encoded == NoPassword {
		h.VerifyDummy(ctx, password)
		return false, false, nil
	}
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, false, err
	}
	got, err := h.derive(ctx, password, salt, p, uint32(len(want)))
	if err != nil {
		return false, false, err
	}
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok && p != h.params, nil
}

// VerifyDummy spends the same time as Verify on a real hash. Login calls
// it for unknown emails so response time does not reveal which accounts
// exist.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) {
	h.Verify(ctx, password, h.dummy) //nolint:errcheck // the result is thrown away by design
}

// Derivations reports how many argon2id derivations this Hasher has run,
// its own dummy hash included. Tests use it to check that two paths did the
// same hashing work (unknown email and wrong password, OWASP ASVS 2.2): a
// count, unlike a stopwatch, does not depend on how busy the machine is.
func (h *Hasher) Derivations() uint64 { return h.derivations.Load() }

func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p Argon2Params, n uint32) ([]byte, error) {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.slots }()
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, n)
	h.derivations.Add(1)
	// Each hash leaves MemoryKiB of garbage. Collecting now lets the next
	// hash reuse that memory, so resident memory stays near slots × MemoryKiB
	// instead of the heap doubling under a burst of logins. With a heap this
	// small the collection costs well under a millisecond next to a hash of
	// ~20 ms.
	runtime.GC()
	return key, nil
}

// decodeHash parses $argon2id$v=19$m=…,t=…,p=…$salt$key.
func decodeHash(encoded string) (p Argon2Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errMalformedHash
	}
	// Bounds keep a tampered hash from making one login cost gigabytes.
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil ||
		p.MemoryKiB < 8 || p.Time == 0 || p.checkBounds() != nil {
		return p, nil, nil, errMalformedHash
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, errMalformedHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errMalformedHash
	}
	return p, salt, key, nil
}
