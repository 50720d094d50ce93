package auth

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/authkit/authkit/server/store/storetest"
)

// TestThrottle_Refills runs on both homes of throttle state: memory, and
// (under AUTHKIT_TEST_DB=postgres) the database.
func TestThrottle_Refills(t *testing.T) {
	homes := map[string]throttles{"memory": {}}
	if storetest.Backend() == "postgres" {
		limits, err := newThrottles(context.Background(), storetest.Open(t), nil, time.Now(), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		homes["database"] = limits
	}
	for name, limits := range homes {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now()
			th := limits.new("test", 2, time.Minute)
			take := func(at time.Time) time.Duration {
				t.Helper()
				wait, err := th.take(ctx, "k", at)
				if err != nil {
					t.Fatal(err)
				}
				return wait
			}
			if first, second := take(now), take(now); first != 0 || second != 0 {
				t.Fatal("the first two events were refused")
			}
			if wait := take(now); wait != 30*time.Second {
				t.Fatalf("third event: wait %v, want 30s (one token every 30s)", wait)
			}
			if take(now.Add(30*time.Second)) != 0 {
				t.Fatal("no refill after 30s")
			}
			if err := th.refund(ctx, "k", now); err != nil {
				t.Fatal(err)
			}
			if take(now.Add(30*time.Second)) != 0 {
				t.Fatal("a refunded token was not given back")
			}
			if take(now.Add(30*time.Second)) == 0 {
				t.Fatal("more tokens than the burst")
			}
		})
	}
	if wait, _ := (throttles{}).new("off", 0, time.Minute).take(context.Background(), "k", time.Now()); wait != 0 {
		t.Fatal("a disabled throttle refused")
	}
}

func TestThrottle_MemoryStaysBounded(t *testing.T) {
	now := time.Now()
	m := newMemoryBuckets()
	for i := range maxBuckets + 10 {
		m.take(context.Background(), fmt.Sprint("flood", i), now, time.Second, 5)
	}
	if n := len(m.tat); n > maxBuckets {
		t.Fatalf("%d buckets kept", n)
	}
}

// TestThrottle_AFloodOfKeysDoesNotResetADrainedBucket: when the memory
// is full of live buckets, a flood of fresh keys (each with one token
// spent) must not make the throttle forget the buckets someone is
// draining, a password guessed at above all: forgetting one refills it.
func TestThrottle_AFloodOfKeysDoesNotResetADrainedBucket(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	const burst = 5
	m := newMemoryBuckets()
	drained := make([]string, 20)
	for i := range drained {
		drained[i] = fmt.Sprint("victim", i)
		for range burst {
			m.take(ctx, drained[i], now, time.Minute, burst)
		}
	}
	for i := range maxBuckets {
		m.take(ctx, fmt.Sprint("flood", i), now, time.Minute, burst)
	}
	if n := len(m.tat); n > maxBuckets {
		t.Fatalf("%d buckets kept", n)
	}
	for _, key := range drained {
		if wait, _ := m.take(ctx, key, now, time.Minute, burst); wait == 0 {
			t.Errorf("%s was drained, and after the flood it had a token again", key)
		}
	}
}

// TestReserve_RefusedAttemptsCountNowhere checks that when the second
// bucket is empty, the token taken from the first is given back.
func TestReserve_RefusedAttemptsCountNowhere(t *testing.T) {
	ctx, now := context.Background(), time.Now()
	limits := throttles{}
	wide, narrow := limits.new("wide", 2, time.Minute), limits.new("narrow", 1, time.Minute)
	if _, err := reserve(ctx, now, limited{narrow, "k"}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := reserve(ctx, now, limited{wide, "k"}, limited{narrow, "k"}); err == nil {
			t.Fatal("reserved a token of an empty bucket")
		}
	}
	if wait, _ := wide.take(ctx, "k", now); wait != 0 {
		t.Fatal("refused reservations spent the first bucket's tokens")
	}
}

// TestThrottle_SweepForgetsModulesRefilledBuckets: a module's throttle
// (NewThrottle) is pruned by the sweep's PruneThrottles like the kit's
// own, so a key seen once (an IP address that started one sign-in) does
// not stay in memory until the map fills up.
func TestThrottle_SweepForgetsModulesRefilledBuckets(t *testing.T) {
	if storetest.Backend() == "postgres" {
		t.Skip("on PostgreSQL, buckets are rows, deleted by store.FlushExpired (TestThrottle_SweepDeletesRefilledBuckets)")
	}
	now := time.Now()
	svc, err := New(context.Background(), storetest.Open(t), Config{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	th := svc.NewThrottle("module-start", 30, time.Minute)
	if err := th.Take(context.Background(), "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	buckets := th.t.buckets.(*memoryBuckets)
	svc.PruneThrottles()
	if len(buckets.tat) != 1 {
		t.Fatalf("a bucket still refilling was forgotten: %d left", len(buckets.tat))
	}
	now = now.Add(time.Minute)
	svc.PruneThrottles()
	if len(buckets.tat) != 0 {
		t.Fatalf("%d refilled buckets left after the sweep", len(buckets.tat))
	}
}

// TestThrottle_SweepForgetsEveryKitThrottlesRefilledBuckets: each of
// the kit's own throttles (every *throttle field of Accounts and
// Recovery, found by reflection so a new one cannot be left out) is
// pruned by the sweep, so keys seen once do not stay in memory.
func TestThrottle_SweepForgetsEveryKitThrottlesRefilledBuckets(t *testing.T) {
	if storetest.Backend() == "postgres" {
		t.Skip("on PostgreSQL, buckets are rows, deleted by store.FlushExpired (TestThrottle_SweepDeletesRefilledBuckets)")
	}
	now := time.Now()
	svc, err := New(context.Background(), storetest.Open(t), Config{Now: func() time.Time { return now },
		LoginThrottle: 10, LoginClientThrottle: 100, RegisterThrottle: 30})
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]*throttle{}
	for _, owner := range []any{svc.Accounts, svc.Recovery} {
		v := reflect.ValueOf(owner).Elem()
		for i := range v.NumField() {
			f := v.Field(i)
			if f.Type() == reflect.TypeFor[*throttle]() && !f.IsNil() {
				all[v.Type().Field(i).Name] = (*throttle)(f.UnsafePointer())
			}
		}
	}
	if len(all) < 9 {
		t.Fatalf("found only %d throttles", len(all))
	}
	for _, th := range all {
		if wait, err := th.take(context.Background(), "key", now); err != nil || wait != 0 {
			t.Fatal(wait, err)
		}
	}
	now = now.Add(25 * time.Hour)
	svc.PruneThrottles()
	for name, th := range all {
		if n := len(th.buckets.(*memoryBuckets).tat); n != 0 {
			t.Errorf("%s: %d refilled buckets left after the sweep", name, n)
		}
	}
}
