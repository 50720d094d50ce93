package auth

import (
	"sync"
	"time"
)

// sessionCache answers "is this session still live?" on the authenticated
// request path without a database query. Code in this process that
// revokes a session or deactivates a user updates the cache at once, so
// logout takes effect on the next request. Entries also go stale after
// ttl, which bounds how long a change made by another process (another
// instance, an admin command) can go unseen.
type sessionCache struct {
	mu      sync.RWMutex
	entries map[string]sessionEntry
	ttl     time.Duration
	max     int
}

type sessionEntry struct {
	userID        string
	live          bool
	emailVerified bool
	checkedAt     time.Time
}

func newSessionCache(ttl time.Duration, max int) *sessionCache {
	return &sessionCache{entries: make(map[string]sessionEntry), ttl: ttl, max: max}
}

// get returns the cached state of a session, if fresh.
func (c *sessionCache) get(sessionID string, now time.Time) (sessionEntry, bool) {
	c.mu.RLock()
	e, ok := c.entries[sessionID]
	c.mu.RUnlock()
	if !ok || now.Sub(e.checkedAt) >= c.ttl {
		return sessionEntry{}, false
	}
	return e, true
}

// put records the state of a session as read from the database.
func (c *sessionCache) put(sessionID string, e sessionEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		// Full: drop an arbitrary tenth. Evicting only costs a query later.
		n := c.max / 10
		for id := range c.entries {
			if n--; n < 0 {
				break
			}
			delete(c.entries, id)
		}
	}
	c.entries[sessionID] = e
}

// revoke marks sessions dead.
func (c *sessionCache) revoke(sessionIDs ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range sessionIDs {
		if e, ok := c.entries[id]; ok {
			e.live = false
			c.entries[id] = e
		}
	}
}

// forgetUser drops every entry of a user, so the next request of each of
// the user's sessions reads the database again (after a deactivation).
func (c *sessionCache) forgetUser(userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, e := range c.entries {
		if e.userID == userID {
			delete(c.entries, id)
		}
	}
}

// prune drops stale entries; the sweeper calls it.
func (c *sessionCache) prune(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, e := range c.entries {
		if now.Sub(e.checkedAt) >= c.ttl {
			delete(c.entries, id)
		}
	}
}

// forget drops one entry, so the next request reads the database.
func (c *sessionCache) forget(sessionID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, sessionID)
}

// clear drops every entry.
func (c *sessionCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}
