package signing

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/authkit/authkit/server/store"
)

// keyring holds the signing keys in force: the newest signs, all verify,
// each older one until it retires (retires), whether or not the keys have
// been reloaded by then.
type keyring struct {
	signer    ed25519.PrivateKey
	signerKID string
	plain     bool // the signer is stored unencrypted
	public    map[string]ed25519.PublicKey
	retires   map[string]time.Time // by kid; the signer's is absent
}

// verifier returns the public key of kid, if it is one of the ring's and
// has not retired by now.
func (r *keyring) verifier(kid string, now time.Time) (ed25519.PublicKey, bool) {
	pub, ok := r.public[kid]
	if !ok || r.retired(kid, now) {
		return nil, false
	}
	return pub, true
}

// retired reports whether kid's key has retired by now.
func (r *keyring) retired(kid string, now time.Time) bool {
	at, ok := r.retires[kid]
	return ok && !now.Before(at)
}

// equal reports whether two keyrings hold the same keys with the same
// signer. A public key belongs to one private key, so comparing kids and
// public keys is enough.
func (r *keyring) equal(o *keyring) bool {
	if o == nil || r.signerKID != o.signerKID || len(r.public) != len(o.public) {
		return false
	}
	for kid, pub := range r.public {
		if other, ok := o.public[kid]; !ok || !pub.Equal(other) {
			return false
		}
	}
	return true
}

// KeyPropagation bounds how long an instance may go on signing with a key
// after a newer one was stored: instances reload their keys at least this
// often (and at once on PostgreSQL, through a NOTIFY).
const KeyPropagation = time.Minute

// CreateKey generates a new Ed25519 key and stores it; it becomes the
// signer of every instance within KeyPropagation. Older keys keep
// verifying until the tokens they signed have expired.
func CreateKey(ctx context.Context, st *store.Store, kek KeyEncryptionKey, now time.Time) (string, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	kid := keyID(priv.Public().(ed25519.PublicKey))
	sealed, err := kek.seal(priv.Seed(), kid)
	if err != nil {
		return "", err
	}
	// The newest key signs. A clock behind the one that dated the newest
	// key (another machine's, or this one set back) would date the new key
	// before it, and the rotation would change nothing while saying done:
	// the new key is dated just after the newest instead.
	stored, err := st.SigningKeys(ctx)
	if err != nil {
		return "", err
	}
	created := now.UTC()
	if len(stored) > 0 && !created.After(stored[0].CreatedAt) {
		created = stored[0].CreatedAt.Add(time.Millisecond).UTC()
	}
	k := &store.SigningKey{KID: kid, Algorithm: signingAlg, PrivateKey: sealed, CreatedAt: created}
	if err := st.CreateSigningKey(ctx, k); err != nil {
		return "", err
	}
	return kid, nil
}

// KeyStatus describes a stored signing key for `authkit keys list`.
type KeyStatus struct {
	KID       string
	CreatedAt time.Time
	State     string // "signing", "verifying" or "retired"
}

// keyStates classifies stored keys (newest first). A key retires once a
// newer key has been signing for longer than an access token lives (plus
// the time instances take to switch): every token it signed has expired.
func keyStates(keys []store.SigningKey, accessTTL time.Duration, now time.Time) []KeyStatus {
	out := make([]KeyStatus, len(keys))
	for i, k := range keys {
		state := "verifying"
		switch {
		case i == 0:
			state = "signing"
		case now.After(retirement(keys[i-1], accessTTL)):
			state = "retired"
		}
		out[i] = KeyStatus{KID: k.KID, CreatedAt: k.CreatedAt, State: state}
	}
	return out
}

// retirement is when the key before next retires: once next has been
// signing for longer than an access token lives, plus the time instances
// take to switch to it.
func retirement(next store.SigningKey, accessTTL time.Duration) time.Time {
	return next.CreatedAt.Add(accessTTL + KeyPropagation)
}

// RetiredKeyKept is how long a retired key stays stored before the sweep
// deletes it. A retired key verifies nothing here, but an instance still
// running with a longer --access-ttl (in the middle of a change of
// settings) may still accept it for that long; after a day, no token it
// signed can be alive anywhere, and its private half, which could sign
// tokens again were it ever trusted, need not sit in the database and
// every backup (NIST SP 800-57: destroy keys no longer needed).
const RetiredKeyKept = 24 * time.Hour

// DeleteRetiredKeys deletes the stored keys that retired (keyStates) more
// than RetiredKeyKept before now, and returns how many. The signing key
// and the keys that still verify are never deleted: the keys are newest
// first, and a key retires accessTTL + KeyPropagation after the next one
// was made.
func DeleteRetiredKeys(ctx context.Context, st *store.Store, accessTTL time.Duration, now time.Time) (int64, error) {
	keys, err := st.SigningKeys(ctx)
	if err != nil {
		return 0, err
	}
	var old []string
	for i := 1; i < len(keys); i++ {
		if now.After(keys[i-1].CreatedAt.Add(accessTTL + KeyPropagation + RetiredKeyKept)) {
			old = append(old, keys[i].KID)
		}
	}
	return st.DeleteSigningKeys(ctx, old)
}

// ListKeys returns the stored keys and their states.
func ListKeys(ctx context.Context, st *store.Store, accessTTL time.Duration, now time.Time) ([]KeyStatus, error) {
	keys, err := st.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	return keyStates(keys, accessTTL, now), nil
}

// loadKeyring reads the keys in force from the store, creating the first
// one on first start so that restarts do not log everyone out.
func loadKeyring(ctx context.Context, st *store.Store, kek KeyEncryptionKey, accessTTL time.Duration, now time.Time) (*keyring, error) {
	keys, err := st.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		if _, err := CreateKey(ctx, st, kek, now); err != nil {
			return nil, err
		}
		if keys, err = st.SigningKeys(ctx); err != nil {
			return nil, err
		}
	}
	ring := &keyring{public: make(map[string]ed25519.PublicKey, len(keys)), retires: make(map[string]time.Time)}
	for i, status := range keyStates(keys, accessTTL, now) {
		if status.State == "retired" {
			break // keys are newest first: the rest are older still
		}
		priv, err := openKey(keys[i], kek)
		if err != nil {
			return nil, err
		}
		ring.public[keys[i].KID] = priv.Public().(ed25519.PublicKey)
		if i == 0 {
			ring.signer, ring.signerKID, ring.plain = priv, keys[i].KID, !isSealed(keys[i].PrivateKey)
		} else {
			ring.retires[keys[i].KID] = retirement(keys[i-1], accessTTL)
		}
	}
	return ring, nil
}

// openKey turns a stored key back into an Ed25519 private key, refusing
// any other algorithm (RFC 8725 §3.1: one algorithm, pinned), and a key
// whose kid is not its thumbprint (keyID). The kid is what the seed is
// sealed to, so that check is what keeps a value the key encryption key
// sealed for another purpose (an authenticator app's secret, sealed to its
// owner's id, 32 bytes its owner knows) from opening as a signing key:
// every sealed value's purpose is told by its additional data, and only a
// signing key's is a thumbprint of itself.
func openKey(k store.SigningKey, kek KeyEncryptionKey) (ed25519.PrivateKey, error) {
	if k.Algorithm != signingAlg {
		return nil, fmt.Errorf("signing: key %s uses %s, not %s", k.KID, k.Algorithm, signingAlg)
	}
	seed, err := kek.open(k.PrivateKey, k.KID)
	if err != nil {
		return nil, err
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("signing: key %s is not an Ed25519 seed", k.KID)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	if keyID(priv.Public().(ed25519.PublicKey)) != k.KID {
		return nil, fmt.Errorf("signing: key %s is not the key its id names", k.KID)
	}
	return priv, nil
}
