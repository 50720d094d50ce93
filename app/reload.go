package app

import (
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// A new release reloads the open page (Page.OnAppUpdate), except while it
// shows what a reload would lose for good: then once that is done.

// held is what keeps a new release from reloading the page now.
var held struct {
	sync.Mutex
	by      map[string]bool
	pending bool // a release came while held: reload once released
}

// reload reloads the page (a variable for the tests).
var reload = func() {
	if !app.IsServer {
		app.Window().Get("location").Call("reload")
	}
}

// reloadForRelease reloads the page for a new release now, or once
// nothing holds it.
func reloadForRelease() {
	held.Lock()
	defer held.Unlock()
	if len(held.by) > 0 {
		held.pending = true
		return
	}
	reload()
}

// HoldReload keeps a new release from reloading the page while something
// shown only once is on it, named by key: recovery codes, which a reload
// would lose before they were saved. HoldReload(key, false) lets go (when
// they are saved, or the card leaves the page); the page then reloads if
// a release came meanwhile.
func HoldReload(key string, hold bool) {
	held.Lock()
	defer held.Unlock()
	if hold {
		if held.by == nil {
			held.by = map[string]bool{}
		}
		held.by[key] = true
		return
	}
	delete(held.by, key)
	if len(held.by) == 0 && held.pending {
		held.pending = false
		reload()
	}
}
