package signing

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
)

var discard = slog.New(slog.DiscardHandler)

func storedSecret(t *testing.T, st *store.Store, name string) []byte {
	t.Helper()
	var value []byte
	if err := st.DB().NewSelect().Table("secrets").Column("value").Where("name = ?", name).Scan(t.Context(), &value); err != nil {
		t.Fatal(err)
	}
	return value
}

func setStoredSecret(t *testing.T, st *store.Store, name string, value []byte) {
	t.Helper()
	if _, err := st.DB().NewUpdate().Table("secrets").Set("value = ?", value).Where("name = ?", name).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestEnsureSecret_SealedUnderTheKeyEncryptionKey: a new secret is stored
// sealed, reads back the same, and a start without the key, or with
// another, is refused with an error that names the secret.
func TestEnsureSecret_SealedUnderTheKeyEncryptionKey(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	kek, _ := ParseKeyEncryptionKey(strings.Repeat("ab", 32))
	secret, err := EnsureSecret(ctx, st, kek, "csrf_hmac_key", time.Now(), discard)
	if err != nil || len(secret) != secretSize {
		t.Fatalf("%x %v", secret, err)
	}
	stored := storedSecret(t, st, "csrf_hmac_key")
	if len(stored) != sealedSecretSize || !isSealed(stored) || bytes.Contains(stored, secret) {
		t.Fatalf("stored %x for secret %x", stored, secret)
	}
	if again, err := EnsureSecret(ctx, st, kek, "csrf_hmac_key", time.Now(), discard); err != nil || !bytes.Equal(again, secret) {
		t.Fatalf("a restart read %x, %v", again, err)
	}
	wrong, _ := ParseKeyEncryptionKey(strings.Repeat("cd", 32))
	for _, c := range []struct {
		kek  KeyEncryptionKey
		want string
	}{
		{nil, "signing: secret csrf_hmac_key is encrypted: set AUTHKIT_KEY_ENCRYPTION_KEY"},
		{wrong, "signing: secret csrf_hmac_key does not decrypt with this key encryption key"},
	} {
		if _, err := EnsureSecret(ctx, st, c.kek, "csrf_hmac_key", time.Now(), discard); err == nil || err.Error() != c.want {
			t.Errorf("err = %v, want %q", err, c.want)
		}
	}
	if got := storedSecret(t, st, "csrf_hmac_key"); !bytes.Equal(got, stored) {
		t.Fatal("a refused start changed the stored secret")
	}
}

// TestEnsureSecret_ASealedValueOpensOnlyAsItself: the additional data is
// the secret's name, in a form no kid or user id takes, so a sealed
// secret cannot be moved to another secret's row, and an authenticator
// app's seed (32 bytes its owner knows, sealed to the owner's id) cannot
// be planted as a server secret, nor a server secret read as a seed.
func TestEnsureSecret_ASealedValueOpensOnlyAsItself(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	kek, _ := ParseKeyEncryptionKey(strings.Repeat("ab", 32))
	for _, name := range []string{"csrf_hmac_key", "throttle_key_hmac"} {
		if _, err := EnsureSecret(ctx, st, kek, name, time.Now(), discard); err != nil {
			t.Fatal(err)
		}
	}
	csrf := storedSecret(t, st, "csrf_hmac_key")
	setStoredSecret(t, st, "throttle_key_hmac", csrf)
	if _, err := EnsureSecret(ctx, st, kek, "throttle_key_hmac", time.Now(), discard); err == nil || !strings.Contains(err.Error(), "does not decrypt") {
		t.Fatalf("the CSRF key opened as the throttle key: %v", err)
	}
	if _, err := kek.OpenSecret(csrf, "019ab000-0000-7000-8000-000000000001"); err == nil {
		t.Fatal("the CSRF key opened as an authenticator seed")
	}
	seed, err := kek.SealSecret([]byte("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), "019ab000-0000-7000-8000-000000000001")
	if err != nil {
		t.Fatal(err)
	}
	setStoredSecret(t, st, "csrf_hmac_key", seed)
	if _, err := EnsureSecret(ctx, st, kek, "csrf_hmac_key", time.Now(), discard); err == nil || !strings.Contains(err.Error(), "does not decrypt") {
		t.Fatalf("an authenticator seed opened as the CSRF key: %v", err)
	}
}

// TestEnsureSecret_ASecretInTheClearIsSealedInPlaceOnce: a secret stored
// before the key encryption key was set keeps its value, with and without
// the key, whatever its first bytes; with the key it is sealed in place.
// Instances starting together all read the one value, and one of them
// seals it.
func TestEnsureSecret_ASecretInTheClearIsSealedInPlaceOnce(t *testing.T) {
	ctx := context.Background()
	kek, _ := ParseKeyEncryptionKey(strings.Repeat("ab", 32))
	lookalike := make([]byte, secretSize)
	rand.Read(lookalike)
	copy(lookalike, sealedPrefix) // 1 in 2^32 random secrets begin so
	for name, plain := range map[string][]byte{"random": nil, "beginning with the sealed prefix": lookalike} {
		t.Run(name, func(t *testing.T) {
			st := storetest.Open(t)
			if plain == nil {
				var err error
				if plain, err = EnsureSecret(ctx, st, nil, "csrf_hmac_key", time.Now(), discard); err != nil {
					t.Fatal(err)
				}
			} else if _, err := st.EnsureSecret(ctx, "csrf_hmac_key", plain, time.Now()); err != nil {
				t.Fatal(err)
			}
			if got := storedSecret(t, st, "csrf_hmac_key"); !bytes.Equal(got, plain) {
				t.Fatalf("stored %x without a key encryption key, made %x", got, plain)
			}
			if got, err := EnsureSecret(ctx, st, nil, "csrf_hmac_key", time.Now(), discard); err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("read %x, %v without a key encryption key; stored %x", got, err, plain)
			}

			var log syncBuffer
			logger := slog.New(slog.NewTextHandler(&log, nil))
			var wg sync.WaitGroup
			got := make([][]byte, 8)
			errs := make([]error, len(got))
			for i := range got {
				wg.Go(func() { got[i], errs[i] = EnsureSecret(ctx, st, kek, "csrf_hmac_key", time.Now(), logger) })
			}
			wg.Wait()
			for i := range got {
				if errs[i] != nil || !bytes.Equal(got[i], plain) {
					t.Fatalf("instance %d read %x, %v; stored %x", i, got[i], errs[i], plain)
				}
			}
			if n := strings.Count(log.String(), "sealed a server secret"); n != 1 {
				t.Fatalf("sealed %d times:\n%s", n, log.String())
			}
			if stored := storedSecret(t, st, "csrf_hmac_key"); len(stored) != sealedSecretSize || !isSealed(stored) {
				t.Fatalf("stored %x after starts with a key encryption key", stored)
			}
			if _, err := EnsureSecret(ctx, st, nil, "csrf_hmac_key", time.Now(), discard); err == nil {
				t.Fatal("a start without the key encryption key read the sealed secret")
			}
		})
	}
}

// TestEnsureSecret_AMalformedValueIsRefused: a row that is neither a
// secret in the clear nor a sealed one is an error, not a secret.
func TestEnsureSecret_AMalformedValueIsRefused(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	kek, _ := ParseKeyEncryptionKey(strings.Repeat("ab", 32))
	if _, err := st.EnsureSecret(ctx, "csrf_hmac_key", []byte("short"), time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, k := range []KeyEncryptionKey{nil, kek} {
		if _, err := EnsureSecret(ctx, st, k, "csrf_hmac_key", time.Now(), discard); err == nil || !strings.Contains(err.Error(), "csrf_hmac_key is malformed") {
			t.Errorf("err = %v", err)
		}
	}
}

// syncBuffer is a log sink several goroutines write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
