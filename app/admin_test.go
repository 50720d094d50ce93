package app

import (
	"fmt"
	"strings"
	"testing"

	"github.com/authkit/authkit/app/internal/pagetest"
	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestAdmin_AnEventListThatFailedToLoadCanBeAskedAgain: when the first
// page of the audit log or of a user's activity fails, the list says why
// and offers to try again; Show older, the way to ask a list for more,
// shows only once it has events.
func TestAdmin_AnEventListThatFailedToLoadCanBeAskedAgain(t *testing.T) {
	p := newAdminPage(nil)
	p.User = &shared.User{ID: "boss", Name: "The Boss", IsStaff: true}
	cara := shared.User{ID: "u1", Email: "cara@example.com"}
	p.activityOf, p.activity = &cara, &eventList{query: EventQuery{UserID: cara.ID}}
	unreachable := fmt.Errorf("%w: connection refused", ErrUnreachable)
	for _, l := range []*eventList{p.activity, p.audit} {
		l.more.Busy = true
		Submission[[]shared.AuditEvent]{Form: &l.more, Failed: p.SessionEnded}.Settle(app.Context{}, nil, unreachable)
	}

	html := app.HTMLString(p.Render())
	if n := strings.Count(html, "Could not reach the server."); n != 2 {
		t.Errorf("the page says %d times that the server could not be reached, want once a list", n)
	}
	buttons := pagetest.TagsByID(html, "button")
	for _, list := range []string{"user-events-list", "audit-list"} {
		if _, ok := buttons[list+"-retry"]; !ok {
			t.Errorf("%s failed to load and offers no way to try again: %s", list, html)
		}
		if _, ok := buttons[list+"-more"]; ok {
			t.Errorf("%s has no events, yet offers older ones", list)
		}
	}
}
