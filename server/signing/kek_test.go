package signing

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
)

func TestKeyEncryption(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	kek, err := ParseKeyEncryptionKey(strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := Load(ctx, st, Config{KeyEncryptionKey: kek})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := st.SigningKeys(ctx)
	if len(stored) != 1 || !strings.HasPrefix(string(stored[0].PrivateKey), sealedPrefix) {
		t.Fatal("the signing key is stored in the clear")
	}
	if _, err := Load(ctx, st, Config{}); err == nil || !strings.Contains(err.Error(), "AUTHKIT_KEY_ENCRYPTION_KEY") {
		t.Fatalf("start without the KEK: %v", err)
	}
	wrong, _ := ParseKeyEncryptionKey(strings.Repeat("cd", 32))
	if _, err := Load(ctx, st, Config{KeyEncryptionKey: wrong}); err == nil {
		t.Fatal("started with the wrong KEK")
	}
	again, err := Load(ctx, st, Config{KeyEncryptionKey: kek})
	if err != nil {
		t.Fatal(err)
	}
	if keys.JWKS().Keys[0] != again.JWKS().Keys[0] {
		t.Fatal("a restart changed the key")
	}
	for _, bad := range []string{"short", strings.Repeat("zz", 32)} {
		if _, err := ParseKeyEncryptionKey(bad); err == nil {
			t.Errorf("accepted KEK %q", bad)
		}
	}
}

// TestKeyEncryption_ASealedSecretOfAnotherKindIsNoSigningKey: the key
// encryption key also seals authenticator-app secrets (SealSecret, bound
// to the user id), and such a secret is 32 bytes of base32, the size of an
// Ed25519 seed, which its owner knows. Copied into signing_keys under the
// user id as kid, it opened as a signing key that its owner could sign
// with. A stored key's kid must be the thumbprint of the key it opens to,
// which no secret sealed for another purpose (under a user id) can be.
func TestKeyEncryption_ASealedSecretOfAnotherKindIsNoSigningKey(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	kek, _ := ParseKeyEncryptionKey(strings.Repeat("ab", 32))
	now := time.Now().UTC()
	if _, err := Load(ctx, st, Config{KeyEncryptionKey: kek, Now: func() time.Time { return now }}); err != nil {
		t.Fatal(err)
	}
	const userID = "019ab000-0000-7000-8000-000000000001"
	totpSecret := []byte("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP") // 160 bits in base32: 32 bytes
	sealed, err := kek.SealSecret(totpSecret, userID)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSigningKey(ctx, &store.SigningKey{KID: userID, Algorithm: signingAlg, PrivateKey: sealed, CreatedAt: now.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	keys, err := Load(ctx, st, Config{KeyEncryptionKey: kek, Now: func() time.Time { return now.Add(2 * time.Second) }})
	if err == nil {
		t.Fatalf("a sealed authenticator secret loaded as the signing key %s", keys.current().signerKID)
	}
	// Nor does a plain seed stored under a kid that is not its own.
	st2 := storetest.Open(t)
	seed := make([]byte, ed25519.SeedSize)
	if err := st2.CreateSigningKey(ctx, &store.SigningKey{KID: "chosen", Algorithm: signingAlg, PrivateKey: seed, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ctx, st2, Config{}); err == nil {
		t.Fatal("a key whose kid is not its thumbprint loaded")
	}
}

// TestKeyEncryption_APlainSigningKeyUnderAKeyEncryptionKeyIsWarnedOf: keys
// stored before AUTHKIT_KEY_ENCRYPTION_KEY was set stay readable, so a
// rotation run without the variable (an operator's shell that lacks it)
// stores a signing key in the clear that every server then signs with,
// while their operators believe the keys are sealed. A server with the
// variable says so when it starts, or switches, signing with such a key.
func TestKeyEncryption_APlainSigningKeyUnderAKeyEncryptionKeyIsWarnedOf(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	if _, err := Load(ctx, st, Config{}); err != nil { // made before the variable was set
		t.Fatal(err)
	}
	kek, _ := ParseKeyEncryptionKey(strings.Repeat("ab", 32))
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	keys, err := Load(ctx, st, Config{KeyEncryptionKey: kek, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "unencrypted") {
		t.Fatalf("no warning of a plain signing key: %q", logs.String())
	}
	// A rotation with the key seals the new one: no more warning.
	logs.Reset()
	if _, err := keys.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "unencrypted") {
		t.Fatalf("a warning after an encrypted key took over: %q", logs.String())
	}
	// Another plain one, stored by a rotation without the variable, is
	// warned of when this server reloads its keys and signs with it.
	if _, err := CreateKey(ctx, st, nil, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	keys.Reload(ctx)
	if !strings.Contains(logs.String(), "unencrypted") {
		t.Fatalf("no warning after switching to a plain signing key: %q", logs.String())
	}
}
