package auth

import (
	"sync"
	"time"
)

// ttlCache is a bounded in-process map whose entries go stale after ttl.
// The service keeps two: session liveness and user rows, so that the
// authenticated request path (GET /api/me above all) does not query the
// database on every request. Code in this process that changes a session or
// user updates the caches at once; other instances learn through events
// (events.go), and the ttl bounds how long a missed event can go unseen.
//
// A value read from the database is cached with putRead, which drops it if
// anything was forgotten or changed since the read began (generation): a
// revocation that commits, and whose event arrives, between a request's
// read and its put would otherwise be undone by the put, the copy read
// before it staying live for the whole ttl. The generation is one for the
// whole cache, since forgetUser cannot name the keys it would have
// dropped; a skipped put only costs a query on the next request.
type ttlCache[V any] struct {
	mu         sync.RWMutex
	entries    map[string]cached[V]
	ttl        time.Duration
	max        int
	generation uint64 // counts forget, forgetWhere, update and clear
}

type cached[V any] struct {
	value V
	at    time.Time
}

func newTTLCache[V any](ttl time.Duration, max int) *ttlCache[V] {
	return &ttlCache[V]{entries: make(map[string]cached[V]), ttl: ttl, max: max}
}

// get returns the entry for key, if fresh.
func (c *ttlCache[V]) get(key string, now time.Time) (V, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || now.Sub(e.at) >= c.ttl {
		var zero V
		return zero, false
	}
	return e.value, true
}

// readBegins returns the generation to pass to putRead: take it before
// the read whose result will be cached.
func (c *ttlCache[V]) readBegins() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.generation
}

// putRead stores a value read from the database at now, unless an entry
// was forgotten or changed since readBegins returned generation: then the
// value may predate that change, and the next use reads it again.
func (c *ttlCache[V]) putRead(key string, v V, now time.Time, generation uint64) {
	if c.ttl < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.generation == generation {
		c.putLocked(key, v, now)
	}
}

// put stores a value written at now by this process, which no change can
// have overtaken yet. A cache whose ttl is negative (Config.SessionCacheTTL:
// no cache) keeps nothing.
func (c *ttlCache[V]) put(key string, v V, now time.Time) {
	if c.ttl < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(key, v, now)
}

func (c *ttlCache[V]) putLocked(key string, v V, now time.Time) {
	if len(c.entries) >= c.max {
		// Full: drop an arbitrary tenth. Evicting only costs a query later.
		n := c.max / 10
		for k := range c.entries {
			if n--; n < 0 {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = cached[V]{v, now}
}

// update changes an existing entry in place, keeping its age. It counts
// as a change whether or not key is cached: a read under way may have
// seen the value before it (putRead).
func (c *ttlCache[V]) update(key string, f func(*V)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	if e, ok := c.entries[key]; ok {
		f(&e.value)
		c.entries[key] = e
	}
}

// forget drops entries, so the next use reads the database.
func (c *ttlCache[V]) forget(keys ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	for _, k := range keys {
		delete(c.entries, k)
	}
}

// forgetWhere drops every entry matching f.
func (c *ttlCache[V]) forgetWhere(f func(V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	for k, e := range c.entries {
		if f(e.value) {
			delete(c.entries, k)
		}
	}
}

// clear drops every entry.
func (c *ttlCache[V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	clear(c.entries)
}

// prune drops stale entries; the sweeper calls it.
func (c *ttlCache[V]) prune(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if now.Sub(e.at) >= c.ttl {
			delete(c.entries, k)
		}
	}
}

// sessionEntry is what the request path needs to know about a session.
type sessionEntry struct {
	userID          string
	live            bool
	emailVerified   bool
	authMethod      string
	authenticatedAt time.Time
	// endsAt is when the session ends however it is used (its creation
	// plus Config.SessionMaxAge); zero: no cap. Unlike liveness it never
	// changes, so a cached entry holds it as well as a fresh read.
	endsAt time.Time
}

// at is the entry as of now: a session past its end is no longer live.
func (e sessionEntry) at(now time.Time) sessionEntry {
	if e.live && !e.endsAt.IsZero() && !now.Before(e.endsAt) {
		e.live = false
	}
	return e
}

// sessionCache answers "is this session still live?" without a query.
type sessionCache struct{ *ttlCache[sessionEntry] }

func newSessionCache(ttl time.Duration, max int) sessionCache {
	return sessionCache{newTTLCache[sessionEntry](ttl, max)}
}

// revoke marks sessions dead (rather than dropping them, which would cost
// a query on their next request).
func (c sessionCache) revoke(sessionIDs ...string) {
	for _, id := range sessionIDs {
		c.update(id, func(e *sessionEntry) { e.live = false })
	}
}

// forgetUser drops every session of a user, so each is read again (after
// a deactivation, a confirmation or a password change).
func (c sessionCache) forgetUser(userID string) {
	c.forgetWhere(func(e sessionEntry) bool { return e.userID == userID })
}
