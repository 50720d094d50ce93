package signing

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/uptrace/bun"

	"github.com/authkit/authkit/server/store/storetest"
)

// keyReads counts the queries that read the signing keys.
type keyReads struct{ n atomic.Int64 }

func (k *keyReads) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (k *keyReads) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if strings.Contains(e.Query, "signing_keys") {
		k.n.Add(1)
	}
}

// TestParse_UnknownKidFloodReloadsOncePerIntervalAndKeepsTheCache sends
// floods of tokens with made-up kids: each flood may reload the keys once
// per reloadInterval (by the codec's clock, not the wall's), and a reload
// that finds the same keys must not evict tokens already verified.
func TestParse_UnknownKidFloodReloadsOncePerIntervalAndKeepsTheCache(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	keys, err := Load(ctx, st, Config{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	c := NewAccessTokens(keys, "authkit", "authkit")
	good, _, err := c.Issue("user", "session", clock())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Parse(ctx, good); err != nil {
		t.Fatal(err)
	}
	reads := &keyReads{}
	st.DB().AddQueryHook(reads)
	ring := keys.current()

	for round := int64(1); round <= 3; round++ {
		flood(t, c, 200)
		if n := reads.n.Load(); n != round {
			t.Fatalf("round %d: the keys were read %d times in all, want %d (one per interval)", round, n, round)
		}
		if keys.current() != ring {
			t.Fatal("a reload that found the same keys replaced the keyring")
		}
		if _, ok := c.verified.get(good, keys.current(), clock()); !ok {
			t.Fatal("the flood evicted a verified token from the cache")
		}
		mu.Lock()
		now = now.Add(reloadInterval)
		mu.Unlock()
	}
}

// flood parses n tokens with made-up kids at once, each signed by a key
// of its own, and checks they are all refused as unknown.
func flood(t *testing.T, c *AccessTokens, n int) {
	t.Helper()
	tokens := make([]string, n)
	for i := range tokens {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		now := c.keys.cfg.Now()
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, AccessClaims{RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "authkit", Subject: "u", Audience: jwt.ClaimStrings{"authkit"},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
		}, SessionID: "s"})
		tok.Header["kid"], tok.Header["typ"] = fmt.Sprint("forged-", i), accessTokenType
		s, err := tok.SignedString(priv)
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = s
	}
	var wg sync.WaitGroup
	var accepted atomic.Int64
	for _, tok := range tokens {
		wg.Go(func() {
			if _, err := c.Parse(context.Background(), tok); !errors.Is(err, ErrUnknownKey) {
				accepted.Add(1)
			}
		})
	}
	wg.Wait()
	if n := accepted.Load(); n != 0 {
		t.Fatalf("%d tokens with unknown kids were not refused as such", n)
	}
}

// TestParse_AKeyStopsVerifyingWhenItRetiresNotAtTheNextReload: a key
// retires accessTTL + KeyPropagation after its successor was made, when
// every token it signed has expired. From then on it verifies nothing,
// neither a token already in the verified-token cache nor a fresh one
// signed with it (its private half leaked from an old backup, say), even
// before this instance reloads its keys (every 30 s, and never while the
// database is unreachable): the keyring used to trust it until then.
func TestParse_AKeyStopsVerifyingWhenItRetiresNotAtTheNextReload(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	var mu sync.Mutex
	now := time.Now().UTC()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	cfg := Config{AccessTTL: 5 * time.Minute, Now: clock}
	keys, err := Load(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	old := keys.current()
	c := NewAccessTokens(keys, "authkit", "authkit")
	// A second instance rotates; this one reloads (the NOTIFY).
	other, err := Load(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	advance(time.Second)
	if _, err := other.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	keys.Reload(ctx)
	if len(keys.current().public) != 2 {
		t.Fatal("the rotation did not reach this instance")
	}
	// Tokens of the old key: one issued just before the rotation, in the
	// cache, and one forged with the old key's private half, late.
	sign := func(iat time.Time) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, AccessClaims{RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "authkit", Subject: "u", Audience: jwt.ClaimStrings{"authkit"},
			IssuedAt: jwt.NewNumericDate(iat), ExpiresAt: jwt.NewNumericDate(iat.Add(cfg.AccessTTL)),
		}, SessionID: "s"})
		tok.Header["kid"], tok.Header["typ"] = old.signerKID, accessTokenType
		s, err := tok.SignedString(old.signer)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	cached := sign(clock().Add(cfg.AccessTTL + KeyPropagation - time.Minute)) // iat a minute before retirement
	advance(cfg.AccessTTL + KeyPropagation - time.Minute)
	if _, err := c.Parse(ctx, cached); err != nil {
		t.Fatalf("the old key before it retires: %v", err)
	}
	advance(time.Minute + time.Second) // retired; no reload has run yet
	ring := keys.current()
	if _, ok := c.verified.get(cached, ring, clock()); ok {
		t.Error("the cache answered for a token of a retired key")
	}
	st.Close() // and the database is unreachable: no reload can help
	for name, tok := range map[string]string{"cached": cached, "forged after retirement": sign(clock())} {
		if _, err := c.Parse(ctx, tok); err == nil {
			t.Errorf("%s: a token of a retired key verified", name)
		}
	}
	if keys.current() != ring {
		t.Fatal("the keyring changed; the test meant to show the old one")
	}
}
