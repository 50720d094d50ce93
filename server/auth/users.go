package auth

import (
	"context"
	"errors"

	"github.com/authkit/authkit/server/store"
)

// userCache reads accounts for the request path and drops every cached
// copy of one when it changes. GET /api/me is the hottest endpoint, so an
// account is read from the cache while fresh; every change to a user goes
// through changed, here and (by an event) on the other instances. Accounts,
// Admin and Recovery share one.
type userCache struct {
	store    *store.Store
	entries  *ttlCache[store.User]
	sessions sessionCache // a user's sessions carry their email_verified
	events   *eventBus
	clock    clock
}

// active returns a user's account, the caller's own copy.
//
// Errors: not_authenticated (the account is gone or inactive).
func (c *userCache) active(ctx context.Context, userID string) (*store.User, error) {
	now := c.clock.now()
	u, ok := c.entries.get(userID, now)
	if !ok {
		generation := c.entries.readBegins()
		fresh, err := c.fresh(ctx, userID)
		if err != nil {
			return nil, err
		}
		testHookChecked("user-read")
		u = *fresh
		c.entries.putRead(u.ID, u, now, generation)
	}
	if !u.IsActive {
		return nil, errSessionEnded
	}
	return &u, nil
}

// fresh reads a user from the database, for code that is about to change
// it. Errors: not_authenticated (the account is gone).
func (c *userCache) fresh(ctx context.Context, id string) (*store.User, error) {
	u, err := c.store.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errSessionEnded
	}
	return u, err
}

// forget drops the cached copy of a user, so the next use reads the
// database.
func (c *userCache) forget(userID string) { c.entries.forget(userID) }

// changed drops the cached copies of a user and of their sessions, here at
// once and on the other instances through an event.
func (c *userCache) changed(ctx context.Context, userID string) {
	c.forget(userID)
	c.sessions.forgetUser(userID)
	c.events.publish(ctx, eventUser+userID)
}
