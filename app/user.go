package app

import (
	"context"
	"slices"
	"sync"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The signed-in user: the client keeps it for every page, forgets it
// when it may have changed, and hands it again to the pages and cards on
// screen when a module says it changed (UserChanged).

// CurrentUser returns the signed-in user (not_authenticated when nobody
// is). It asks the server (GET /api/me) the first time only, and again
// after anything that may change the answer: a login, a logout, a password
// reset, a confirmed email, or any call that finds the session over. A
// profile change keeps the server's answer to it. Pages ask it on every
// navigation; most of the time it costs no request.
func (c *Client) CurrentUser(ctx context.Context) (shared.User, error) {
	if user, ok := c.signedIn.get(); ok {
		return user, nil
	}
	generation := c.signedIn.generation()
	user, err := c.Me(ctx)
	if err == nil {
		c.signedIn.setIfUnchanged(user, generation)
	}
	return user, err
}

// rememberUser keeps the user the server has just answered with.
func (c *Client) rememberUser(user shared.User) { c.signedIn.set(user) }

// forgetUser drops the kept user, so the next CurrentUser asks the server.
func (c *Client) forgetUser() { c.signedIn.forget() }

// forgetUserOnSuccess forgets the kept user once a call that changes who is
// signed in (or what their account says) has succeeded.
func (c *Client) forgetUserOnSuccess(err error) {
	if err == nil {
		c.startAfresh()
	}
}

// startAfresh forgets the kept user, and that a session ended in use,
// after a sign-in or a sign-out: there is nothing left to tell of it.
func (c *Client) startAfresh() {
	c.signedIn.forget()
	c.signedIn.takeEnded()
}

// signedOut starts afresh after a logout, and empties the tab's
// sessionStorage, where modules keep what must outlive a session that
// ends unasked (a note being written): a logout is on purpose, so nothing
// kept for the user is needed any more, and whoever uses the tab next
// finds none of it.
func (c *Client) signedOut() {
	c.startAfresh()
	if !app.IsServer {
		app.Window().Get("sessionStorage").Call("clear")
	}
}

// sessionOver forgets the kept user once a call has found the session
// over. When a user was kept, pages had the session in use and it ended
// under them (it expired, or was ended from another device): the login
// form they are sent to says so (sessionEndedInUse). A visitor who was
// never signed in is told nothing.
func (c *Client) sessionOver() { c.signedIn.end() }

// sessionEndedInUse reports, once, whether a session that pages had in
// use has ended since the last sign-in or sign-out: the login form then
// says why it is asking.
func (c *Client) sessionEndedInUse() bool { return c.signedIn.takeEnded() }

// userCache holds the signed-in user between navigations. Its generation
// counts the times it was forgotten, so an answer to GET /api/me that was
// sent before a logout cannot bring the old user back.
type userCache struct {
	mu        sync.Mutex
	user      *shared.User
	forgotten uint64
	ended     bool          // a session in use was found over (end)
	watchers  []userWatcher // told of UserChanged (onUserChanged)
}

// userWatcher is a part of the page on screen that shows the user: ctx's
// element, and what it does with the user a module has changed.
type userWatcher struct {
	ctx     app.Context
	changed func(app.Context, shared.User)
}

func (u *userCache) get() (shared.User, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.user == nil {
		return shared.User{}, false
	}
	return *u.user, true
}

func (u *userCache) generation() uint64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.forgotten
}

func (u *userCache) set(user shared.User) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.user = &user
}

func (u *userCache) setIfUnchanged(user shared.User, generation uint64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.forgotten == generation {
		u.user = &user
	}
}

// watch adds w, in place of the watchers whose element has left the page
// and of an earlier one of w's element. It runs on the UI goroutine.
func (u *userCache) watch(w userWatcher) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.watchers = slices.DeleteFunc(u.watchers, func(old userWatcher) bool {
		return !old.ctx.Src().Mounted() || old.ctx.Src() == w.ctx.Src()
	})
	u.watchers = append(u.watchers, w)
}

// watching returns the watchers (some of whose elements may have left
// the page).
func (u *userCache) watching() []userWatcher {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.watchers)
}

func (u *userCache) forget() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.user = nil
	u.forgotten++
}

// end forgets the user of a session found over, and notes that it ended
// in use when there was one.
func (u *userCache) end() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.ended = u.ended || u.user != nil
	u.user = nil
	u.forgotten++
}

func (u *userCache) takeEnded() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	ended := u.ended
	u.ended = false
	return ended
}

// UserChanged forgets the signed-in user, so the next page asks the
// server, and has the signed-in page and cards on screen (SignedInPage,
// Card) read the user again, so that what they show and the second
// factors their re-authentication dialogs offer are the account's as it
// is now: modules call it after a change to the account made through Call
// (a confirmed email change, a second factor turned on or off, a passkey
// added or deleted, a deleted account).
func (c *Client) UserChanged() {
	c.forgetUser()
	c.tellWatchers()
}

// onUserChanged has changed run on the UI goroutine, for ctx's element,
// with the user read again after each UserChanged while the element is
// on the page. SignedInPage calls it from OnMount.
func (c *Client) onUserChanged(ctx app.Context, changed func(app.Context, shared.User)) {
	c.signedIn.watch(userWatcher{ctx, changed})
}

// tellWatchers reads the user once for all the watchers, in the
// background, and hands it to each on the UI goroutine (go-app drops a
// dispatch whose element has left the page). A failure tells nobody: they
// keep the user they have, the next action finds out what went wrong,
// and a card that ended the session (a deleted account) goes where it
// means to. Nor does an answer that a later change has made old: that
// change's own reading follows.
func (c *Client) tellWatchers() {
	watchers := c.signedIn.watching()
	if len(watchers) == 0 {
		return
	}
	ctx := watchers[0].ctx
	generation := c.signedIn.generation()
	ctx.Async(func() {
		user, err := c.CurrentUser(ctx)
		if err != nil || c.signedIn.generation() != generation {
			return
		}
		for _, w := range watchers {
			w.ctx.Dispatch(func(ctx app.Context) { w.changed(ctx, user) })
		}
	})
}
