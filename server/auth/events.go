package auth

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Several instances can serve one PostgreSQL database. Each keeps its own
// session cache, so a revocation made on one must reach the others: the
// instance that revokes publishes an event (a PostgreSQL NOTIFY, sent after
// the change is committed) and every instance drops the affected cache
// entries, which are then read again from the database. If the event is
// lost, entries still go stale after SessionCacheTTL, and a lost listener
// connection clears the whole cache.
//
// Events are short strings:
//
//	s:<session id>   a session was revoked
//	u:<user id>      a user's sessions or account changed
//	k                the signing keys changed
const (
	eventSession = "s:"
	eventUser    = "u:"
	eventKeys    = "k"
)

// publish tells every instance (this one included) about a change. A
// failure is logged, not returned: the change is committed, and other
// instances see it within SessionCacheTTL anyway.
func (s *Service) publish(ctx context.Context, events ...string) {
	for _, e := range events {
		if err := s.store.Publish(context.WithoutCancel(ctx), e); err != nil {
			s.log.WarnContext(ctx, "publishing a revocation failed; other instances see it within the cache TTL", "event", e, "err", err)
		}
	}
}

// Watch applies other instances' events to this instance's caches and
// reloads the signing keys periodically, until ctx ends. serve runs it in
// the background.
func (s *Service) Watch(ctx context.Context) {
	go func() {
		t := time.NewTicker(keyPropagation / 2)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.reloadKeys(ctx)
			}
		}
	}()
	s.store.Subscribe(ctx, s.applyEvent, func() {
		s.log.WarnContext(ctx, "lost the event listener connection; clearing the session cache")
		s.sessions.clear()
		s.users.clear()
	})
}

func (s *Service) applyEvent(event string) {
	switch {
	case strings.HasPrefix(event, eventSession):
		s.sessions.forget(strings.TrimPrefix(event, eventSession))
	case strings.HasPrefix(event, eventUser):
		id := strings.TrimPrefix(event, eventUser)
		s.users.forget(id)
		s.sessions.forgetUser(id)
	case event == eventKeys:
		s.reloadKeys(context.Background())
	}
}

// reloadKeys reads the signing keys again (after a rotation, or to retire
// old ones).
func (s *Service) reloadKeys(ctx context.Context) {
	keys, err := loadKeyring(ctx, s.store, s.cfg.KeyEncryptionKey, s.cfg.AccessTTL, s.now())
	if err != nil {
		s.log.ErrorContext(ctx, "reloading signing keys failed", "err", err)
		return
	}
	s.tokens.setKeys(keys)
}

// keyReloader lets a token with an unknown kid trigger a key reload, at
// most once per second, so a flood of forged kids cannot turn into a flood
// of database reads.
type keyReloader struct {
	mu   sync.Mutex
	last time.Time
}

// reloadKeysSoon reloads the keys unless that was done within the last
// second, and reports whether it did.
func (s *Service) reloadKeysSoon(ctx context.Context) bool {
	s.keyReload.mu.Lock()
	defer s.keyReload.mu.Unlock()
	now := time.Now()
	if now.Sub(s.keyReload.last) < time.Second {
		return false
	}
	s.keyReload.last = now
	s.reloadKeys(ctx)
	return true
}

// RotateSigningKey stores a new signing key and tells the instances.
func (s *Service) RotateSigningKey(ctx context.Context) (string, error) {
	kid, err := CreateSigningKey(ctx, s.store, s.cfg.KeyEncryptionKey, s.now())
	if err != nil {
		return "", err
	}
	s.reloadKeys(ctx)
	s.publish(ctx, eventKeys)
	return kid, nil
}
