package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/authkit/authkit/shared"
)

// Refreshing the session: the rotation of its cookies that Client.Call
// makes when the access token has lapsed, shared by concurrent callers.

// refreshCall is one refresh in flight; done closes when err is final.
type refreshCall struct {
	done chan struct{}
	err  error
}

// maxRefreshRaces is how many refreshes lost to another tab a request
// waits out before it gives up, refreshRaceWait the wait after each.
const (
	maxRefreshRaces = 2
	refreshRaceWait = 200 * time.Millisecond
)

// refreshFailedInTransit reports whether a refresh failed without a
// verdict on the session: a proxy's 502 while the server restarts, the
// server's own 5xx, a rate limit. The session may well live on, so the
// request reports that failure rather than the 401 that asked for the
// refresh, which would send the person to the login form, told that
// their session has ended. (A refusal, 401 or 403, clears the cookies or
// cannot be cured by this tab: the session is over for it.)
func refreshFailedInTransit(err error) bool {
	return HasCode(err, shared.CodeUnavailable) || HasCode(err, shared.CodeInternal) || HasCode(err, shared.CodeRateLimited)
}

// lostARefreshRace reports whether a refused refresh lost a race with
// another tab of this browser. The server refuses a refresh cookie spent
// a moment ago by another request of the session without clearing the
// cookies (auth.ErrRefreshRaced), while every other refusal clears them:
// so a CSRF cookie still present means the session lives on, in the
// cookies the other tab received, and the request is worth trying again.
func (c *Client) lostARefreshRace(err error) bool {
	return HasCode(err, shared.CodeNotAuthenticated) && c.csrfToken() != ""
}

// worthRefreshing reports whether err is a 401 a refresh may cure:
// token_expired always, and not_authenticated when a CSRF cookie is still
// present, which means a session exists but its access cookie has gone
// (browsers drop cookies at their Max-Age).
func (c *Client) worthRefreshing(err error) bool {
	var apiErr *shared.Error
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.Code == shared.CodeTokenExpired ||
		apiErr.Code == shared.CodeNotAuthenticated && c.csrfToken() != ""
}

// refreshCount is how many refreshes have succeeded so far.
func (c *Client) refreshCount() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refreshed
}

// refresh rotates the session's cookies. seen is the refresh count the
// caller observed before its request went out: if a refresh has succeeded
// since, the caller's request simply carried the old cookie, and it may
// retry at once without spending the new refresh token.
func (c *Client) refresh(ctx context.Context, seen uint64) error {
	c.mu.Lock()
	if c.refreshed != seen {
		c.mu.Unlock()
		return nil
	}
	call := c.refreshing
	if call == nil {
		call = &refreshCall{done: make(chan struct{})}
		c.refreshing = call
		// The refresh outlives a caller that gives up: the others may
		// still be waiting for it, and the cookies it sets are needed.
		go c.runRefresh(context.WithoutCancel(ctx), call)
	}
	c.mu.Unlock()

	select {
	case <-call.done:
		return call.err
	case <-ctx.Done():
		return fmt.Errorf("%w: %v", ErrUnreachable, ctx.Err())
	}
}

// RefreshSession rotates the session's cookies now (joining a refresh
// already under way), so that the access cookie has its whole lifetime
// ahead. A page calls it before it leaves the app for a server route that
// a navigation reaches (connecting a provider account): such a route reads
// the access cookie but cannot refresh it, so an access token that was
// still good a moment before, when the page checked, may have lapsed on
// the way (the route then sends the browser to the login form, and what
// the person asked for is lost). A refresh lost to another tab of this
// browser has left fresh cookies too, and counts as done. It returns nil,
// an *shared.Error (not_authenticated when the session is over) or an
// error wrapping ErrUnreachable.
func (c *Client) RefreshSession(ctx context.Context) error {
	err := c.refresh(ctx, c.refreshCount())
	switch {
	case err == nil, c.lostARefreshRace(err):
		return nil
	case isSignedOut(err):
		c.sessionOver()
	}
	return err
}

func (c *Client) runRefresh(ctx context.Context, call *refreshCall) {
	call.err = c.send(ctx, http.MethodPost, "/api/auth/refresh", nil, nil)
	c.mu.Lock()
	if call.err == nil {
		c.refreshed++
	}
	c.refreshing = nil
	c.mu.Unlock()
	close(call.done)
}
