package app

import (
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestPage_ANewReleaseWaitsForWhatAReloadWouldLose: a new release reloads
// the page at once, unless something shown only once is on it (recovery
// codes): then it reloads once that is let go, and only then.
func TestPage_ANewReleaseWaitsForWhatAReloadWouldLose(t *testing.T) {
	reloads := 0
	saved := reload
	reload = func() { reloads++ }
	t.Cleanup(func() {
		reload = saved
		held.by, held.pending = nil, false
	})
	var p Page

	p.OnAppUpdate(app.Context{})
	if reloads != 1 {
		t.Fatalf("with nothing held, a release made %d reloads, want 1", reloads)
	}
	HoldReload("codes", true)
	HoldReload("other", true)
	p.OnAppUpdate(app.Context{})
	if reloads != 1 {
		t.Fatalf("while codes were shown, a release reloaded the page")
	}
	HoldReload("codes", false)
	if reloads != 1 {
		t.Fatalf("the page reloaded while something else was still held")
	}
	HoldReload("other", false)
	if reloads != 2 {
		t.Fatalf("once let go, the page reloaded %d times for the release that came meanwhile, want once", reloads-1)
	}
	HoldReload("codes", false) // let go twice (the card left the page too)
	if reloads != 2 {
		t.Fatalf("letting go of nothing held reloaded the page")
	}
}
