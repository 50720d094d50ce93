package app

import (
	"context"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The page bases. Every page embeds Page, or SignedInPage when it is for
// signed-in people only, in place of go-app's Compo.
//
// Embed them under a lower-case name (type basePage = app.Page): go-app
// copies a page's exported fields from a fresh instance when it navigates
// to the same route with another query, and an exported base would be
// reset that way, go-app's own state included.

// Page is the base of every page: it runs network calls in the background
// and applies their results, moves focus, and sends forms (Submit).
type Page struct {
	app.Compo
	self app.Context // a context whose source is the page itself
}

// OnMount keeps a context whose source is the page itself, for background
// work to apply results through: go-app drops a dispatch whose source
// element has left the page, and a request started by a button (Retry,
// Confirm) often outlives the button.
func (p *Page) OnMount(ctx app.Context) { p.self = ctx }

// OnAppUpdate reloads the page once the service worker has fetched a new
// release, so nobody keeps running an app.wasm older than the server;
// unless the page shows what a reload would lose for good (HoldReload,
// reload.go), in which case it reloads once that is done.
func (p *Page) OnAppUpdate(ctx app.Context) { reloadForRelease() }

// Background runs work off the UI goroutine (network calls block), then
// applies the function it returns to the page on the UI goroutine.
func (p *Page) Background(ctx app.Context, work func() func(app.Context)) {
	self := p.self
	if self.Src() == nil { // not mounted through OnMount (native tests)
		self = ctx
	}
	ctx.Async(func() { self.Dispatch(work()) })
}

// Focus moves keyboard focus to the element with id once the current
// update has reached the page.
func (p *Page) Focus(id string) {
	if p.self.Src() == nil { // not mounted (native tests)
		return
	}
	p.self.Defer(func(app.Context) {
		if el := app.Window().GetElementByID(id); el.Truthy() {
			el.Call("focus")
		}
	})
}

// Retried places focus once the load that a Try again button started is
// over: a spinner took the button's place while it ran, which left focus
// on the page's body, from where a keyboard user would tab through the
// whole header to get back. When the load failed (err), it shows its Try
// again anew, retryID, and focus goes back to it; when it loaded, focus
// goes to loadedID: the heading of the card that loaded, the page's main
// content, or the way on ("" leaves focus be). Focus that the person has
// put somewhere else meanwhile stays there.
func (p *Page) Retried(err error, retryID, loadedID string) {
	id := loadedID
	if err != nil {
		id = retryID
	}
	if id == "" || p.self.Src() == nil { // not mounted (native tests)
		return
	}
	p.self.Defer(func(app.Context) {
		if active := app.Window().Get("document").Get("activeElement"); active.Truthy() && active.Get("tagName").String() != "BODY" {
			return
		}
		if el := app.Window().GetElementByID(id); el.Truthy() {
			el.Call("focus")
		}
	})
}

// focused is the element that has keyboard focus now: the button that
// opened a dialog, to give focus back to when it closes (Refocus). Nil
// when the page is not mounted (native tests).
func (p *Page) focused() app.Value {
	if p.self.Src() == nil {
		return nil
	}
	return app.Window().Get("document").Get("activeElement")
}

// refocus gives focus back to el, an element that had it (focused), once
// the current update has reached the page, if el is still on the page and
// is not the body (which is where focus was when nothing had it).
func (p *Page) refocus(el app.Value) {
	if el == nil || p.self.Src() == nil {
		return
	}
	p.self.Defer(func(app.Context) {
		if el.Truthy() && el.Get("isConnected").Bool() && el.Get("tagName").String() != "BODY" {
			el.Call("focus")
		}
	})
}

// ClearFields empties these fields of f, on the page as well: setting an
// input's value to "" is not enough in go-app v10.1.11, which then drops
// the value attribute (attributes.Set compares the value, not the name,
// with "value") and leaves what was typed in the box.
func (p *Page) ClearFields(f *Form, names ...string) {
	for _, name := range names {
		f.Set(name, "")
		delete(f.revealed, name)
	}
	p.writeFields(f, names...)
}

// writeFields puts what these fields of f hold in their boxes, once the
// current update has reached the page: go-app writes nothing into an
// input it reuses for another field when that field holds "" (see
// ClearFields), so the other field's text would stay in the box.
func (p *Page) writeFields(f *Form, names ...string) {
	if p.self.Src() == nil { // not mounted (native tests)
		return
	}
	p.self.Defer(func(app.Context) {
		for _, name := range names {
			if el := app.Window().GetElementByID(f.idPrefix + name); el.Truthy() {
				el.Set("value", f.Value(name))
			}
		}
	})
}

// SignedInPage is the base of a page for signed-in people. Load gets the
// user from the client, which keeps them between navigations, so moving
// between such pages costs no request for who is signed in; visitors who
// are not signed in are sent to the login form, which comes back.
type SignedInPage struct {
	Page
	API  *Client
	User *shared.User // nil until Load is done, and once the session is over

	path    string // the page's route: the current nav link, the way back after login
	loader  Loader // the page's own data, loaded again by Retry
	loadErr error
	// signedIn is who the client says is signed in, even when the page's
	// own data failed to load: the header then still offers the
	// navigation and Log out, beside the page's Try again.
	signedIn *shared.User
	// loaded is the element that takes focus once Try again has loaded
	// the page: its main content; a card's heading (Card.WithHeading).
	loaded string
}

// NewSignedInPage returns the base of the page at path, calling api.
func NewSignedInPage(api *Client, path string) SignedInPage {
	return SignedInPage{API: api, path: path, loaded: "main"}
}

// Loader fetches a page's own data, in the background once the user is
// known, and returns the function that applies it on the UI goroutine.
// An error fails the load (shown by Waiting, with a retry); an error
// saying the session is over leads to the login form.
type Loader func(ctx context.Context) (apply func(app.Context), err error)

// Load gets the signed-in user, then runs load (nil when the page needs
// nothing more), and applies both at once: the page shows as loaded only
// when all of it is there. Pages call it from OnNav, in the browser only.
func (p *SignedInPage) Load(ctx app.Context, load Loader) {
	p.load(ctx, load, false)
}

// load is Load; retried when it runs for the Try again button, whose
// place the spinner takes: focus then goes back to Try again when it
// fails again, or to what it loaded (see Page.Retried).
func (p *SignedInPage) load(ctx app.Context, load Loader, retried bool) {
	p.loader, p.loadErr = load, nil
	p.Background(ctx, func() func(app.Context) {
		user, err := p.API.CurrentUser(ctx)
		known := err == nil
		var apply func(app.Context)
		if known && load != nil {
			apply, err = load(ctx)
		}
		return func(ctx app.Context) {
			if known {
				p.signedIn = &user
			}
			switch {
			case p.SessionEnded(ctx, err):
			case err != nil:
				p.loadErr = err
			default:
				p.User = &user
				if apply != nil {
					apply(ctx)
				}
			}
			if retried {
				p.Retried(p.loadErr, "retry", p.loaded)
			}
		}
	})
}

func (p *SignedInPage) onRetry(ctx app.Context, e app.Event) { p.load(ctx, p.loader, true) }

// OnMount keeps the page's User current: after a module's card has
// changed the account and said so (Client.UserChanged: a second factor
// turned on or off, a passkey added or deleted, a confirmed email
// change), the page, or the card, has the user as the server now reads
// it, so that its re-authentication dialog offers the factors the account
// has now. One reading serves every page and card on screen. A page or
// card with its own OnMount calls this one first.
func (p *SignedInPage) OnMount(ctx app.Context) {
	p.Page.OnMount(ctx)
	p.API.onUserChanged(ctx, p.userChanged)
}

// userChanged takes the user read again, unless the page has none (still
// loading, or the session is over).
func (p *SignedInPage) userChanged(_ app.Context, user shared.User) {
	if p.User != nil {
		p.User = &user
	}
}

// Waiting is what the page shows until Load is done: text beside a
// spinner, or why loading failed and a button to try again. It is nil once
// the page has loaded.
func (p *SignedInPage) Waiting(text string) app.UI {
	switch {
	case p.loadErr != nil:
		return LoadFailed("retry", p.loadErr, p.onRetry)
	case p.User == nil:
		return Loading(text)
	}
	return nil
}

// Chrome is the frame of the page: its navigation marks the page's link
// as current and shows the signed-in user's links once they are known,
// also when the page's own data failed to load (so the way around stays).
func (p *SignedInPage) Chrome() Chrome {
	user := p.User
	if user == nil && p.loadErr != nil {
		user = p.signedIn
	}
	return Chrome{Path: p.path, User: user, Known: user != nil, API: p.API}
}

// SessionEnded reports whether err says the session is over and, if so,
// forgets the user and sends the visitor to the login form, set to come
// back to this page. Pages give it as a Submission's Failed.
func (p *SignedInPage) SessionEnded(ctx app.Context, err error) bool {
	if !isSignedOut(err) {
		return false
	}
	p.User, p.signedIn = nil, nil
	redirect(loginURL(p.path))
	return true
}
