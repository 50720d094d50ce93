package signing

import (
	"context"
	"strings"
	"testing"

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
