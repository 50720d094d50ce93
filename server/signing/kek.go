package signing

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// KeyEncryptionKey is the optional key that encrypts secrets at rest
// (AES-256-GCM): signing keys, authenticator apps' seeds (SealSecret) and
// the server's own secrets (EnsureSecret). With it, a copy of the
// database alone does not let anyone forge tokens; without it, those
// secrets are as exposed as the rest of the database.
//
// Each sealed value is bound (its additional data) to what it is, in a
// form only its kind takes: a signing key to its kid (base64url), a seed
// to its owner's id (a UUID), a server secret to "secret:" and its name.
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

// isSealed reports whether a stored value was sealed (seal, SealSecret).
func isSealed(stored []byte) bool {
	return len(stored) >= len(sealedPrefix) && string(stored[:len(sealedPrefix)]) == sealedPrefix
}

// seal encrypts a key's seed, binding it to its kid (the additional data)
// so a sealed seed cannot be moved under another key's id.
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

// open decrypts a stored seed. Seeds stored before encryption was turned
// on are read as they are, so turning it on needs no migration.
func (k KeyEncryptionKey) open(stored []byte, kid string) ([]byte, error) {
	if len(stored) == ed25519.SeedSize {
		return stored, nil // stored before encryption was turned on
	}
	if !isSealed(stored) {
		return nil, fmt.Errorf("signing: key %s is malformed", kid)
	}
	if k == nil {
		return nil, fmt.Errorf("signing: key %s is encrypted: set AUTHKIT_KEY_ENCRYPTION_KEY", kid)
	}
	seed, err := k.unseal(stored, kid)
	if err != nil {
		return nil, fmt.Errorf("signing: key %s %w", kid, err)
	}
	return seed, nil
}

var (
	errSealedMalformed = errors.New("is malformed")
	errWrongKey        = errors.New("does not decrypt with this key encryption key")
)

// unseal decrypts a sealed value (isSealed) bound to aad. Its errors,
// errSealedMalformed and errWrongKey, read on from the name of what was
// sealed.
func (k KeyEncryptionKey) unseal(stored []byte, aad string) ([]byte, error) {
	aead, err := k.aead()
	if err != nil {
		return nil, err
	}
	rest := stored[len(sealedPrefix):]
	if len(rest) < aead.NonceSize() {
		return nil, errSealedMalformed
	}
	plain, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], []byte(aad))
	if err != nil {
		return nil, errWrongKey
	}
	return plain, nil
}

func (k KeyEncryptionKey) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// SealSecret encrypts another secret the server must read back (an
// authenticator app's seed) with the key encryption key, bound to aad
// (its owner's id) so a sealed value cannot be moved to another row.
// Without a key it returns plain as it is.
func (k KeyEncryptionKey) SealSecret(plain []byte, aad string) ([]byte, error) {
	return k.seal(plain, aad)
}

// OpenSecret reads a value SealSecret stored. A value without the sealed
// prefix was stored before encryption was turned on and is returned as it
// is; so plain values must never start with "AKS1" (base32 text cannot:
// its alphabet has no "1").
func (k KeyEncryptionKey) OpenSecret(stored []byte, aad string) ([]byte, error) {
	if !isSealed(stored) {
		return stored, nil
	}
	if k == nil {
		return nil, errors.New("signing: a secret is encrypted: set AUTHKIT_KEY_ENCRYPTION_KEY")
	}
	plain, err := k.unseal(stored, aad)
	if err != nil {
		return nil, fmt.Errorf("signing: a sealed secret %w", err)
	}
	return plain, nil
}
