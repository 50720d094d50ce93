package auth

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/server/store"
)

// Throttles are token buckets kept as GCRA state (the generic cell rate
// algorithm): one "theoretical arrival time" (tat) per key. A bucket of n
// tokens per window refills one token every window/n; spending a token
// moves tat one interval further into the future, and a token is left
// while tat, after the move, is at most one window ahead of now. A key
// whose tat is in the past has a full bucket, exactly like a key never
// seen, so state only exists for keys that spent something recently and
// a row (or map entry) can be forgotten once its tat has passed.
//
// The state lives in this process's memory on SQLite (one process owns
// the file) and in the throttle_buckets table on PostgreSQL, so every
// instance on one database shares each limit (store/throttle.go).
//
// Callers reserve a token before the work they limit and give it back when
// the attempt turns out not to count (a password that was right): a burst
// of requests arriving together is then refused once the bucket is empty,
// instead of all of them reaching the argon2id check before the first
// failure is counted (OWASP ASVS 2.2.1, NIST SP 800-63B §5.2.2).

// bucketStore keeps the GCRA state of many keys. interval is how often
// one token comes back and burst how many the bucket holds.
type bucketStore interface {
	// take spends a token of key when one is left and returns 0; when none
	// is, it returns how long until one is, spending nothing.
	take(ctx context.Context, key string, now time.Time, interval time.Duration, burst int) (time.Duration, error)
	// refund gives back a token that take spent.
	refund(ctx context.Context, key string, now time.Time, interval time.Duration) error
	// prune forgets keys whose bucket is full again.
	prune(now time.Time)
}

// throttle allows burst events per window per key. A nil *throttle is
// disabled: it allows everything.
type throttle struct {
	name     string // prefix of its keys, so throttles can share a table
	interval time.Duration
	burst    int
	buckets  bucketStore
}

// throttles makes the service's throttles, all on one kind of storage.
type throttles struct {
	store *store.Store // nil keeps each throttle in memory
	key   []byte       // HMAC key of the keys stored in the database
}

// throttleSecretName names the HMAC key of stored throttle keys in the
// store's secrets, shared by every instance so they count the same rows.
const throttleSecretName = "throttle_key_hmac"

// newThrottles keeps throttle state in PostgreSQL when the store is
// PostgreSQL (several instances share one database, and must share its
// limits), and in memory on SQLite, where one process serves the file and
// a write transaction per login attempt would only slow it down. It loads
// (or creates) the key that hides stored keys (databaseBuckets), sealed
// under the key encryption key when there is one (signing.EnsureSecret).
func newThrottles(ctx context.Context, st *store.Store, kek signing.KeyEncryptionKey, now time.Time, log *slog.Logger) (throttles, error) {
	if st == nil || !st.IsPostgres() {
		return throttles{}, nil
	}
	key, err := signing.EnsureSecret(ctx, st, kek, throttleSecretName, now, log)
	if err != nil {
		return throttles{}, err
	}
	return throttles{store: st, key: key}, nil
}

// new returns a throttle named name allowing n events per window per key;
// n <= 0 disables it (nil).
func (ts throttles) new(name string, n int, window time.Duration) *throttle {
	if n <= 0 {
		return nil
	}
	t := &throttle{name: name, interval: window / time.Duration(n), burst: n}
	if ts.store != nil {
		//lint:ignore S1016 the two types share their fields by chance; a conversion would tie them together
		t.buckets = databaseBuckets{store: ts.store, key: ts.key}
	} else {
		t.buckets = newMemoryBuckets()
	}
	return t
}

// take spends a token of key if one is left (0) and otherwise reports how
// long to wait, spending nothing.
func (t *throttle) take(ctx context.Context, key string, now time.Time) (time.Duration, error) {
	if t == nil {
		return 0, nil
	}
	return t.buckets.take(ctx, t.name+":"+key, now, t.interval, t.burst)
}

// refund gives back a token of key spent by take.
func (t *throttle) refund(ctx context.Context, key string, now time.Time) error {
	if t == nil {
		return nil
	}
	return t.buckets.refund(ctx, t.name+":"+key, now, t.interval)
}

// prune forgets buckets that have refilled (in memory; database rows are
// deleted by store.FlushExpired).
func (t *throttle) prune(now time.Time) {
	if t != nil {
		t.buckets.prune(now)
	}
}

// limited is one key of one throttle: a bucket to reserve a token from.
type limited struct {
	throttle *throttle
	key      string
}

// reservation is the set of tokens one attempt holds.
type reservation struct {
	held []limited
	now  time.Time
}

// reserve takes a token from each bucket in order. When one is empty it
// gives back those already taken and returns rate_limited with that
// bucket's wait: a refused request is not an attempt and counts nowhere.
func reserve(ctx context.Context, now time.Time, buckets ...limited) (reservation, error) {
	r := reservation{now: now}
	for _, b := range buckets {
		wait, err := b.throttle.take(ctx, b.key, now)
		if err == nil && wait > 0 {
			err = rateLimited(wait)
		}
		if err != nil {
			r.refund(ctx)
			return reservation{}, err
		}
		r.held = append(r.held, b)
	}
	return r, nil
}

// refund gives every token of the reservation back, when the attempt
// turned out not to count. It outlives a cancelled request: a token not
// given back would count a success as a failure.
func (r reservation) refund(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	for _, b := range r.held {
		b.throttle.refund(ctx, b.key, r.now) //nolint:errcheck // at worst one success counts as a failure
	}
}

// retryAfter is the wait until the bucket with state tat has a token.
func retryAfter(tat, now time.Time, interval time.Duration, burst int) time.Duration {
	return max(tat.Add(interval).Sub(now)-time.Duration(burst)*interval, time.Nanosecond)
}

// throttledClient is the key of a client in the per-client throttles
// (logins, registrations, reset requests): its IPv4 address, or the /64
// network of its IPv6 address. A host on IPv6 has a /64 to itself and
// takes a new address from it at will (SLAAC, privacy addresses), so
// keyed by the full address one machine would get a fresh budget with
// every request.
func throttledClient(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if addr = addr.Unmap(); addr.Is4() {
		return addr.String()
	}
	p, err := addr.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
