package auth

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/server/store"
)

// Several instances can serve one PostgreSQL database. Each keeps its own
// session cache, so a revocation made on one must reach the others: the
// instance that revokes publishes an event (a PostgreSQL NOTIFY, sent after
// the change is committed) and every instance drops the affected cache
// entries, which are then read again from the database. If the event is
// lost, entries still go stale after SessionCacheTTL, and a lost listener
// connection clears the whole cache (when it is lost and again once the
// listener is back, store.Subscribe).
//
// Events are short strings:
//
//	s:<session id>   a session was revoked
//	u:<user id>      a user's sessions or account changed
//	k                the signing keys changed (signing.EventKeysChanged)
const (
	eventSession = "s:"
	eventUser    = "u:"
)

// eventBus tells the other instances about changes.
type eventBus struct {
	store *store.Store
	log   *slog.Logger
}

// publish tells every instance (this one included) about a change. A
// failure is logged, not returned: the change is committed, and other
// instances see it within SessionCacheTTL anyway.
func (b *eventBus) publish(ctx context.Context, events ...string) {
	for _, e := range events {
		if err := b.store.Publish(context.WithoutCancel(ctx), e); err != nil {
			b.log.WarnContext(ctx, "publishing a revocation failed; other instances see it within the cache TTL", "event", e, "err", err)
		}
	}
}

// Watch applies other instances' events to this instance's caches and
// keys, and reloads the signing keys periodically, until ctx ends. serve
// runs it in the background.
func (s *Service) Watch(ctx context.Context) {
	go s.Keys.ReloadEvery(ctx)
	// While the database is away the listener fails once a second: one
	// line a minute says so without flooding the log.
	var warned time.Time
	s.store.Subscribe(ctx, func(event string) {
		if event == signing.EventKeysChanged {
			s.Keys.Reload(context.Background())
			return
		}
		s.Sessions.applyEvent(event)
	}, func() {
		if time.Since(warned) >= time.Minute {
			warned = time.Now()
			s.events.log.WarnContext(ctx, "lost the event listener connection; clearing the session cache (again each second until it is back; logged once a minute)")
		}
		s.Sessions.forgetCached()
	})
}

// applyEvent drops the cache entries another instance's change made stale.
func (s *Sessions) applyEvent(event string) {
	switch {
	case strings.HasPrefix(event, eventSession):
		s.live.forget(strings.TrimPrefix(event, eventSession))
	case strings.HasPrefix(event, eventUser):
		id := strings.TrimPrefix(event, eventUser)
		s.users.forget(id)
		s.live.forgetUser(id)
	}
}

// forgetCached drops every cached session and user, when events may have
// been missed.
func (s *Sessions) forgetCached() {
	s.live.clear()
	s.users.entries.clear()
}
