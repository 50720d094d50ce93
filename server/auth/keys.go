package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/authkit/authkit/server/store"
)

// keyring holds the signing keys in force: the newest signs, all verify.
type keyring struct {
	signer    ed25519.PrivateKey
	signerKID string
	public    map[string]ed25519.PublicKey
}

// keyPropagation bounds how long an instance may go on signing with a key
// after a newer one was stored: instances reload their keys at least this
// often (and at once on PostgreSQL, through a NOTIFY).
const keyPropagation = time.Minute

// KeyEncryptionKey is the optional key that encrypts signing keys at rest
// (AES-256-GCM). With it, a copy of the database alone does not let anyone
// forge tokens; without it, the signing keys are as exposed as the rest of
// the database.
type KeyEncryptionKey []byte

// ParseKeyEncryptionKey decodes a 32-byte key given as 64 hex digits or
// standard base64 (e.g. from `openssl rand -base64 32`).
func ParseKeyEncryptionKey(s string) (KeyEncryptionKey, error) {
	if s == "" {
		return nil, nil
	}
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New("the key encryption key must be 32 bytes, as 64 hex digits or base64")
}

// sealedPrefix marks an encrypted seed: prefix, 12-byte nonce, ciphertext.
const sealedPrefix = "AKS1"

func (k KeyEncryptionKey) seal(seed []byte, kid string) ([]byte, error) {
	if k == nil {
		return seed, nil
	}
	aead, err := k.aead()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	out := append([]byte(sealedPrefix), nonce...)
	return aead.Seal(out, nonce, seed, []byte(kid)), nil
}

func (k KeyEncryptionKey) open(stored []byte, kid string) ([]byte, error) {
	if len(stored) == ed25519.SeedSize {
		return stored, nil // stored before encryption was turned on
	}
	if len(stored) < len(sealedPrefix) || string(stored[:len(sealedPrefix)]) != sealedPrefix {
		return nil, fmt.Errorf("auth: signing key %s is malformed", kid)
	}
	if k == nil {
		return nil, fmt.Errorf("auth: signing key %s is encrypted: set AUTHKIT_KEY_ENCRYPTION_KEY", kid)
	}
	aead, err := k.aead()
	if err != nil {
		return nil, err
	}
	rest := stored[len(sealedPrefix):]
	if len(rest) < aead.NonceSize() {
		return nil, fmt.Errorf("auth: signing key %s is malformed", kid)
	}
	seed, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], []byte(kid))
	if err != nil {
		return nil, fmt.Errorf("auth: signing key %s does not decrypt with this key encryption key", kid)
	}
	return seed, nil
}

func (k KeyEncryptionKey) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// CreateSigningKey generates a new Ed25519 key and stores it; it becomes
// the signer of every instance within keyPropagation. Older keys keep
// verifying until the tokens they signed have expired.
func CreateSigningKey(ctx context.Context, st *store.Store, kek KeyEncryptionKey, now time.Time) (string, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	kid := keyID(priv.Public().(ed25519.PublicKey))
	sealed, err := kek.seal(priv.Seed(), kid)
	if err != nil {
		return "", err
	}
	k := &store.SigningKey{KID: kid, Algorithm: signingAlg, PrivateKey: sealed, CreatedAt: now.UTC()}
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
		case now.After(keys[i-1].CreatedAt.Add(accessTTL + keyPropagation)):
			state = "retired"
		}
		out[i] = KeyStatus{KID: k.KID, CreatedAt: k.CreatedAt, State: state}
	}
	return out
}

// ListSigningKeys returns the stored keys and their states.
func ListSigningKeys(ctx context.Context, st *store.Store, accessTTL time.Duration, now time.Time) ([]KeyStatus, error) {
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
		if _, err := CreateSigningKey(ctx, st, kek, now); err != nil {
			return nil, err
		}
		if keys, err = st.SigningKeys(ctx); err != nil {
			return nil, err
		}
	}
	ring := &keyring{public: make(map[string]ed25519.PublicKey, len(keys))}
	for i, status := range keyStates(keys, accessTTL, now) {
		if status.State == "retired" {
			break // keys are newest first: the rest are older still
		}
		k := keys[i]
		if k.Algorithm != signingAlg {
			return nil, fmt.Errorf("auth: signing key %s uses %s, not %s", k.KID, k.Algorithm, signingAlg)
		}
		seed, err := kek.open(k.PrivateKey, k.KID)
		if err != nil {
			return nil, err
		}
		if len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("auth: signing key %s is not an Ed25519 seed", k.KID)
		}
		priv := ed25519.NewKeyFromSeed(seed)
		ring.public[k.KID] = priv.Public().(ed25519.PublicKey)
		if i == 0 {
			ring.signer, ring.signerKID = priv, k.KID
		}
	}
	return ring, nil
}
