package auth

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// throttle is a set of token buckets keyed by a string (an account and
// client, or a client). A bucket holds burst tokens and refills at
// burst/window, so after a burst of failures the key may try again one
// attempt at a time rather than being locked out for the whole window.
type throttle struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	limit   rate.Limit
	burst   int
}

// newThrottle allows n events per window per key; n <= 0 disables it.
func newThrottle(n int, window time.Duration) *throttle {
	if n <= 0 {
		return nil
	}
	return &throttle{
		buckets: make(map[string]*rate.Limiter),
		limit:   rate.Limit(float64(n) / window.Seconds()),
		burst:   n,
	}
}

// maxBuckets bounds the memory a flood of distinct keys (made-up emails,
// spoofed clients) can take: about 100 bytes a bucket.
const maxBuckets = 100_000

func (t *throttle) bucket(key string, now time.Time) *rate.Limiter {
	b, ok := t.buckets[key]
	if !ok {
		if len(t.buckets) >= maxBuckets {
			t.pruneLocked(now)
		}
		b = rate.NewLimiter(t.limit, t.burst)
		t.buckets[key] = b
	}
	return b
}

// wait reports how long key must wait before its next event; 0 means now.
// It does not spend a token.
func (t *throttle) wait(key string, now time.Time) time.Duration {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.buckets[key]
	if !ok {
		return 0
	}
	if tokens := b.TokensAt(now); tokens < 1 {
		return time.Duration(math.Ceil((1 - tokens) / float64(t.limit) * float64(time.Second)))
	}
	return 0
}

// spend records an event for key.
func (t *throttle) spend(key string, now time.Time) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bucket(key, now).AllowN(now, 1)
}

// take spends a token if one is available and otherwise reports the wait.
func (t *throttle) take(key string, now time.Time) time.Duration {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucket(key, now)
	if b.AllowN(now, 1) {
		return 0
	}
	return time.Duration(math.Ceil((1 - b.TokensAt(now)) / float64(t.limit) * float64(time.Second)))
}

// prune forgets buckets that have refilled: they behave like new ones.
func (t *throttle) prune(now time.Time) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pruneLocked(now)
}

func (t *throttle) pruneLocked(now time.Time) {
	for key, b := range t.buckets {
		if b.TokensAt(now) >= float64(t.burst) {
			delete(t.buckets, key)
		}
	}
	// Still full of live buckets: an attack with more keys than we keep.
	// Forget the oldest-looking half rather than grow without bound.
	for key := range t.buckets {
		if len(t.buckets) < maxBuckets/2 {
			break
		}
		delete(t.buckets, key)
	}
}

// reserve takes a token for an attempt about to be checked and returns a
// function that gives it back, for attempts that succeed; wait > 0 when
// there is none (and then nothing was taken). Taking before the check
// means parallel guesses cannot all pass the throttle before the first
// one fails.
func (t *throttle) reserve(key string, now time.Time) (refund func(), wait time.Duration) {
	if t == nil {
		return func() {}, 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucket(key, now)
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return nil, d
	}
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		r.CancelAt(now)
	}, 0
}
