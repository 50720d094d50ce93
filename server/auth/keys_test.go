package auth

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

type testClock struct{ now atomic.Pointer[time.Time] }

func newClock() *testClock {
	c := &testClock{}
	t := time.Now().UTC()
	c.now.Store(&t)
	return c
}
func (c *testClock) Now() time.Time          { return *c.now.Load() }
func (c *testClock) advance(d time.Duration) { t := c.Now().Add(d); c.now.Store(&t) }

func kidOf(t *testing.T, token string) string {
	t.Helper()
	tok, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Header["kid"].(string)
}

func TestKeyRotation_OldTokensWorkUntilTheyExpireNewTokensUseTheNewKey(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	st := storetest.Open(t)
	cfg := Config{AccessTTL: 5 * time.Minute, Now: clock.Now}
	svc, err := New(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A second instance on the same database.
	other, err := New(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, before, err := svc.Register(ctx, shared.RegisterRequest{Email: "a@example.com", Password: "correct horse battery", Name: "A"}, Client{})
	if err != nil {
		t.Fatal(err)
	}
	oldKID := kidOf(t, before.Access)

	clock.advance(time.Second)
	newKID, err := svc.RotateSigningKey(ctx)
	if err != nil || newKID == oldKID {
		t.Fatalf("rotate: %v, %v", newKID, err)
	}
	if len(svc.JWKS().Keys) != 2 {
		t.Fatalf("jwks after rotation: %+v", svc.JWKS())
	}
	// Tokens from before the rotation still work, on both instances.
	for _, s := range []*Service{svc, other} {
		if _, err := s.Authenticate(ctx, before.Access); err != nil {
			t.Fatalf("old token after rotation: %v", err)
		}
	}
	// New tokens carry the new kid, and the other instance (which has not
	// reloaded yet) accepts them by reloading on the unknown kid.
	_, after, err := svc.Login(ctx, shared.LoginRequest{Email: "a@example.com", Password: "correct horse battery"}, Client{})
	if err != nil {
		t.Fatal(err)
	}
	if kidOf(t, after.Access) != newKID {
		t.Fatalf("new token signed by %s, want %s", kidOf(t, after.Access), newKID)
	}
	if _, err := other.Authenticate(ctx, after.Access); err != nil {
		t.Fatalf("other instance refuses the new key: %v", err)
	}

	// Once every token of the old key has expired, the key retires: it
	// leaves the JWKS and its tokens (even forged fresh ones) are refused.
	clock.advance(cfg.AccessTTL + keyPropagation + time.Second)
	svc.reloadKeys(ctx)
	if ks := svc.JWKS().Keys; len(ks) != 1 || ks[0].KeyID != newKID {
		t.Fatalf("jwks after retirement: %+v", ks)
	}
	states, _ := ListSigningKeys(ctx, st, cfg.AccessTTL, clock.Now())
	if len(states) != 2 || states[0].State != "signing" || states[1].State != "retired" {
		t.Fatalf("states = %+v", states)
	}
	if _, err := svc.tokens.parse(before.Access); !errors.Is(err, errUnknownKey) {
		t.Fatalf("token of a retired key: %v", err)
	}
}

func TestKeyEncryption(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	kek, err := ParseKeyEncryptionKey(strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(ctx, st, Config{KeyEncryptionKey: kek})
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := st.SigningKeys(ctx)
	if len(keys) != 1 || !strings.HasPrefix(string(keys[0].PrivateKey), sealedPrefix) {
		t.Fatal("the signing key is stored in the clear")
	}
	if _, err := New(ctx, st, Config{}); err == nil || !strings.Contains(err.Error(), "AUTHKIT_KEY_ENCRYPTION_KEY") {
		t.Fatalf("start without the KEK: %v", err)
	}
	wrong, _ := ParseKeyEncryptionKey(strings.Repeat("cd", 32))
	if _, err := New(ctx, st, Config{KeyEncryptionKey: wrong}); err == nil {
		t.Fatal("started with the wrong KEK")
	}
	again, err := New(ctx, st, Config{KeyEncryptionKey: kek})
	if err != nil {
		t.Fatal(err)
	}
	if svc.JWKS().Keys[0] != again.JWKS().Keys[0] {
		t.Fatal("a restart changed the key")
	}
	for _, bad := range []string{"short", strings.Repeat("zz", 32)} {
		if _, err := ParseKeyEncryptionKey(bad); err == nil {
			t.Errorf("accepted KEK %q", bad)
		}
	}
}
