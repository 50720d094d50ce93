package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/authkit/authkit/server/store"
)

// The two homes of throttle state: this process's memory (SQLite) and the
// database (PostgreSQL). Both run the same GCRA arithmetic (throttle.go).

// memoryBuckets keeps the tat of each key in a map.
type memoryBuckets struct {
	mu  sync.Mutex
	tat map[string]time.Time
}

func newMemoryBuckets() *memoryBuckets { return &memoryBuckets{tat: make(map[string]time.Time)} }

// maxBuckets bounds the memory a flood of distinct keys (made-up emails,
// spoofed clients) can take: under 100 bytes a key.
const maxBuckets = 100_000

func (m *memoryBuckets) take(_ context.Context, key string, now time.Time, interval time.Duration, burst int) (time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	tat, ok := m.tat[key]
	if !ok && len(m.tat) >= maxBuckets {
		m.pruneLocked(now)
	}
	next := later(tat, now).Add(interval)
	if next.Sub(now) > time.Duration(burst)*interval {
		return retryAfter(tat, now, interval, burst), nil
	}
	m.tat[key] = next
	return 0, nil
}

func (m *memoryBuckets) refund(_ context.Context, key string, _ time.Time, interval time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if tat, ok := m.tat[key]; ok {
		m.tat[key] = tat.Add(-interval)
	}
	return nil
}

func (m *memoryBuckets) prune(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pruneLocked(now)
}

func (m *memoryBuckets) pruneLocked(now time.Time) {
	for key, tat := range m.tat {
		if !tat.After(now) {
			delete(m.tat, key)
		}
	}
	if len(m.tat) < maxBuckets/2 {
		return
	}
	// Still full of live buckets: a flood with more keys than we keep.
	// Rather than grow without bound, forget half: those that will be full
	// again soonest, which have spent the least. A bucket being drained
	// (a password guessed at, an address mailed over and over) has its
	// tat furthest ahead and is kept: a flood of fresh keys, each with one
	// token spent, cannot reset the bucket it is meant to hide behind (an
	// arbitrary half, forgotten, often held it).
	keys := slices.SortedFunc(maps.Keys(m.tat), func(a, b string) int { return m.tat[a].Compare(m.tat[b]) })
	for _, key := range keys[:len(keys)-maxBuckets/2+1] {
		delete(m.tat, key)
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// databaseBuckets keeps the state in the throttle_buckets table, decided
// by one atomic statement per attempt (store.TakeThrottleToken), so every
// instance on the database draws from the same bucket.
//
// Keys name people (an email, a user id, a client's IP), so the table
// stores only the throttle's name and an HMAC of the rest under a server
// secret: a database dump does not show who tried to sign in from where,
// and an account deleted leaves no row that names it (GDPR art. 17), while
// every instance, holding the same secret, still counts the same row.
type databaseBuckets struct {
	store *store.Store
	key   []byte
}

// rowKey is the stored form of key ("name:rest"): the name, and the
// base64url HMAC-SHA256 of the rest.
func (d databaseBuckets) rowKey(key string) string {
	name, rest, _ := strings.Cut(key, ":")
	mac := hmac.New(sha256.New, d.key)
	mac.Write([]byte(rest))
	return name + ":" + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (d databaseBuckets) take(ctx context.Context, key string, now time.Time, interval time.Duration, burst int) (time.Duration, error) {
	ok, tat, err := d.store.TakeThrottleToken(ctx, d.rowKey(key), now, interval, burst)
	if err != nil || ok {
		return 0, err
	}
	return retryAfter(tat, now, interval, burst), nil
}

func (d databaseBuckets) refund(ctx context.Context, key string, _ time.Time, interval time.Duration) error {
	return d.store.RefundThrottleToken(ctx, d.rowKey(key), interval)
}

// prune does nothing: store.FlushExpired deletes the rows of full buckets
// with the other expired rows.
func (databaseBuckets) prune(time.Time) {}
