package auth

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authkit/authkit/server/signing"
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
	_, before, err := svc.Accounts.Register(ctx, shared.RegisterRequest{Email: "a@example.com", Password: "correct horse battery", Name: "A"}, Client{})
	if err != nil {
		t.Fatal(err)
	}
	oldKID := kidOf(t, before.Access)

	clock.advance(time.Second)
	newKID, err := svc.Keys.Rotate(ctx)
	if err != nil || newKID == oldKID {
		t.Fatalf("rotate: %v, %v", newKID, err)
	}
	if len(svc.Keys.JWKS().Keys) != 2 {
		t.Fatalf("jwks after rotation: %+v", svc.Keys.JWKS())
	}
	// Tokens from before the rotation still work, on both instances.
	for _, s := range []*Service{svc, other} {
		if _, err := s.Sessions.Authenticate(ctx, before.Access); err != nil {
			t.Fatalf("old token after rotation: %v", err)
		}
	}
	// New tokens carry the new kid, and the other instance (which has not
	// reloaded yet) accepts them by reloading on the unknown kid.
	_, after, err := svc.Accounts.Login(ctx, shared.LoginRequest{Email: "a@example.com", Password: "correct horse battery"}, Client{})
	if err != nil {
		t.Fatal(err)
	}
	if kidOf(t, after.Access) != newKID {
		t.Fatalf("new token signed by %s, want %s", kidOf(t, after.Access), newKID)
	}
	if _, err := other.Sessions.Authenticate(ctx, after.Access); err != nil {
		t.Fatalf("other instance refuses the new key: %v", err)
	}

	// Once every token of the old key has expired, the key retires: it
	// leaves the JWKS and its tokens (even forged fresh ones) are refused.
	clock.advance(cfg.AccessTTL + signing.KeyPropagation + time.Second)
	svc.Keys.Reload(ctx)
	if ks := svc.Keys.JWKS().Keys; len(ks) != 1 || ks[0].KeyID != newKID {
		t.Fatalf("jwks after retirement: %+v", ks)
	}
	states, _ := signing.ListKeys(ctx, st, cfg.AccessTTL, clock.Now())
	if len(states) != 2 || states[0].State != "signing" || states[1].State != "retired" {
		t.Fatalf("states = %+v", states)
	}
	if _, err := svc.Sessions.tokens.Parse(ctx, before.Access); !errors.Is(err, signing.ErrUnknownKey) {
		t.Fatalf("token of a retired key: %v", err)
	}
	if _, err := svc.Sessions.Authenticate(ctx, before.Access); err == nil {
		t.Fatal("a token of a retired key still authenticates")
	}
}
