package auth

import (
	"context"
	"sync"
	"time"
)

// Throttle is a rate limit a module keeps on its own endpoints, on the
// same storage as the kit's throttles: memory on SQLite, shared by every
// instance on PostgreSQL. A nil *Throttle allows everything.
type Throttle struct {
	t     *throttle
	clock clock
}

// NewThrottle returns a throttle allowing n events per window per key; n
// <= 0 disables it. name prefixes its keys, so it must differ from every
// other throttle's ("login", "register"…): use the module's name.
func (s *Service) NewThrottle(name string, n int, window time.Duration) *Throttle {
	t := &Throttle{t: s.limits.new(name, n, window), clock: clock(s.cfg.Now)}
	s.moduleThrottles.add(t.t)
	return t
}

// PruneThrottles forgets the buckets that have refilled, of the kit's
// throttles and the modules' (in memory; on PostgreSQL the sweep's
// store.FlushExpired deletes their rows). The sweeper calls it, so keys
// seen once (an IP address that started one sign-in) do not stay in
// memory until the map is full.
func (s *Service) PruneThrottles() {
	s.Accounts.PruneThrottles()
	s.Recovery.PruneThrottles()
	s.moduleThrottles.prune(clock(s.cfg.Now).now())
}

// moduleThrottles are the throttles modules made.
type moduleThrottles struct {
	mu   sync.Mutex
	list []*throttle
}

func (m *moduleThrottles) add(t *throttle) {
	if t == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.list = append(m.list, t)
}

func (m *moduleThrottles) prune(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.list {
		t.prune(now)
	}
}

// Take spends one event of key (a user's id; for a client, TakeClient).
//
// Errors: rate_limited (with RetryAfter), or the store's.
func (t *Throttle) Take(ctx context.Context, key string) error {
	if t == nil {
		return nil
	}
	wait, err := t.t.take(ctx, key, t.clock.now())
	if err != nil {
		return err
	}
	if wait > 0 {
		return rateLimited(wait)
	}
	return nil
}

// TakeClient spends one event of the client at ip: its IPv4 address or
// the /64 network of its IPv6 address, as the kit's own per-client
// throttles count it (throttledClient), so a host cannot get a fresh
// budget per request from the addresses of its /64.
//
// Errors: rate_limited (with RetryAfter), or the store's.
func (t *Throttle) TakeClient(ctx context.Context, ip string) error {
	return t.Take(ctx, throttledClient(ip))
}
