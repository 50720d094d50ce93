package app

import (
	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Security events as the pages show them: what happened in plain words
// ("Signed in from Chrome on Linux, 127.0.0.1"), and when.

// EventPageSize is how many events a list fetches at a time.
const EventPageSize = 20

// EventItem is one event of a list; more says more about it (for staff:
// whose account, and who acted).
func EventItem(e shared.SecurityEvent, more ...app.UI) app.UI {
	return app.Li().Class("event").DataSet("event", e.ID).DataSet("type", string(e.Type)).Body(
		app.Span().Class("event-what").Text(e.Describe()),
		app.Span().Class("event-meta").Body(append([]app.UI{TimeTag(e.At, FormatDateTime)}, more...)...),
	)
}

// MoreButton loads the next page of a list, unless the last page came
// back short (there is no more).
func MoreButton(id string, busy, done bool, onClick app.EventHandler) app.UI {
	if done {
		return nil
	}
	return ActionButton("button", "button small", "Show older", "Loading…", busy, onClick).ID(id)
}
