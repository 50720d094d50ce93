package signing

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"github.com/authkit/authkit/server/store"
)

// The server's own secrets (the HMAC keys of the CSRF tokens and of the
// stored throttle keys) are 256 random bits in the store's secrets table,
// one value every instance shares. With a key encryption key they are
// stored sealed, as signing keys are, so a copy of the database or a
// backup does not give them away.
//
// Which rows are sealed is told by their length, never by their content:
// a secret stored in the clear is secretSize random bytes, which may
// begin with "AKS1" like any other four bytes, and a sealed one is
// always sealedSecretSize.

// secretSize is the size of a server secret.
const secretSize = 32

// sealedSecretSize is the size of a sealed server secret: the prefix, the
// 12-byte GCM nonce, the secret and the 16-byte tag.
const sealedSecretSize = len(sealedPrefix) + 12 + secretSize + 16

// secretAAD is the additional data a server secret is sealed to: its name,
// behind a colon, which no kid (a base64url thumbprint, which openKey
// checks) and no user id the server makes (a UUID) holds; those are what
// the other values sealed with the key are bound to. So a sealed secret
// opens only as itself: not in another secret's row, not as a signing key
// or an authenticator app's seed, and none of those (an authenticator
// seed is 32 bytes its owner knows) as it.
func secretAAD(name string) string { return "secret:" + name }

// EnsureSecret returns the server secret called name, creating it on first
// start, sealed under kek when there is one, and stored in the clear
// without. Every instance gets the one value stored first
// (store.EnsureSecret).
//
// A secret stored in the clear (before kek was set) is sealed in place,
// with a compare-and-swap, so of instances starting together one seals it
// and the others read what it stored. The secret itself never changes,
// so tokens made under it stay good.
//
// A sealed secret that kek does not open (kek unset, or another key) is
// an error, which stops the start: making a new secret instead would
// silently invalidate whatever the old one signed, on this instance only.
func EnsureSecret(ctx context.Context, st *store.Store, kek KeyEncryptionKey, name string, now time.Time, log *slog.Logger) ([]byte, error) {
	fresh := make([]byte, secretSize)
	rand.Read(fresh)
	sealed, err := kek.seal(fresh, secretAAD(name))
	if err != nil {
		return nil, err
	}
	stored, err := st.EnsureSecret(ctx, name, sealed, now)
	if err != nil {
		return nil, err
	}
	if len(stored) != secretSize || kek == nil {
		return kek.openSecret(stored, name)
	}
	if sealed, err = kek.seal(stored, secretAAD(name)); err != nil {
		return nil, err
	}
	swapped, err := st.ReplaceSecret(ctx, name, stored, sealed)
	if err != nil {
		return nil, err
	}
	if swapped {
		log.InfoContext(ctx, "sealed a server secret stored in the clear under AUTHKIT_KEY_ENCRYPTION_KEY", "secret", name)
		return stored, nil
	}
	// Another instance sealed it first: read what it stored, which must
	// open under this instance's key too.
	if stored, err = st.EnsureSecret(ctx, name, sealed, now); err != nil {
		return nil, err
	}
	return kek.openSecret(stored, name)
}

// openSecret reads a stored server secret: as it is when it is stored in
// the clear (secretSize bytes), else unsealed with k.
func (k KeyEncryptionKey) openSecret(stored []byte, name string) ([]byte, error) {
	if len(stored) == secretSize {
		return stored, nil
	}
	if len(stored) != sealedSecretSize || !isSealed(stored) {
		return nil, fmt.Errorf("signing: secret %s %w", name, errSealedMalformed)
	}
	if k == nil {
		return nil, fmt.Errorf("signing: secret %s is encrypted: set AUTHKIT_KEY_ENCRYPTION_KEY", name)
	}
	plain, err := k.unseal(stored, secretAAD(name))
	if err != nil {
		return nil, fmt.Errorf("signing: secret %s %w", name, err)
	}
	return plain, nil
}
