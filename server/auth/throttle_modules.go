package auth

import (
	"context"
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
	return &Throttle{t: s.limits.new(name, n, window), clock: clock(s.cfg.Now)}
}

// Take spends one event of key (a client's IP, a user's id).
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
