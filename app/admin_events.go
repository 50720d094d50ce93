package app

import (
	"context"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The admin page's two views of security events: the audit log of what
// staff did (under the table), and one account's events, opened from its
// row.

// eventList is a list of staff's events being read page by page. A list
// is read afresh into a new one, never by emptying the old: a page still
// on its way for the old list (a double click, another row's Activity
// right after, a reload of the audit while older events load) then lands
// in the list that was let go, not among the new one's events.
type eventList struct {
	query  EventQuery
	events []shared.AuditEvent
	more   Form // busy while a page loads; its notice says why one failed
	done   bool // the last page came back short
}

// newAudit is the audit log of what staff did, not read yet.
func newAudit() *eventList { return &eventList{query: EventQuery{StaffActions: true}} }

// reloadAudit reads the audit log again from its newest event.
func (p *adminPage) reloadAudit(ctx app.Context) {
	p.audit = newAudit()
	p.load(ctx, p.audit, nil)
}

// load fetches the next page of l into it (the first, when l is new),
// through p. retried, for the list's Try again, places focus once the
// page is in or has failed again (see Page.Retried); nil otherwise.
func (p *adminPage) load(ctx app.Context, l *eventList, retried func(error)) {
	q := l.query
	q.Limit = EventPageSize
	if n := len(l.events); n > 0 {
		q.Before = l.events[n-1].ID
	}
	p.Submit(ctx, app.Event{}, Submission[[]shared.AuditEvent]{
		Form: &l.more,
		Send: func(ctx context.Context) ([]shared.AuditEvent, error) { return p.API.Events(ctx, q) },
		Done: func(_ app.Context, events []shared.AuditEvent) {
			l.events, l.done = append(l.events, events...), len(events) < EventPageSize
			if retried != nil {
				retried(nil)
			}
		},
		Failed: func(ctx app.Context, err error) bool {
			if p.SessionEnded(ctx, err) {
				return true
			}
			if retried != nil {
				retried(err)
			}
			return false
		},
	})
}

// onShowActivity opens the events of the user u under the table.
func (p *adminPage) onShowActivity(ctx app.Context, u shared.User) {
	p.activityOf = &u
	p.activity = &eventList{query: EventQuery{UserID: u.ID}}
	p.load(ctx, p.activity, nil)
	p.Focus("user-events-heading")
}

func (p *adminPage) onCloseActivity(ctx app.Context, e app.Event) {
	if p.activityOf != nil {
		p.Focus("activity-" + p.activityOf.ID)
	}
	p.activityOf = nil
}

func (p *adminPage) renderUserEvents() app.UI {
	if p.activityOf == nil {
		return nil
	}
	return app.Section().ID("user-events").Class("card").Aria("labelledby", "user-events-heading").Body(
		app.Div().Class("card-head").Body(
			app.H2().ID("user-events-heading").TabIndex(-1).Text("Activity of "+p.activityOf.Email),
			app.Button().Type("button").ID("close-user-events").Class("button small").Text("Close").OnClick(p.onCloseActivity),
		),
		p.renderEvents("user-events-list", "user-events-heading", p.activity, false),
	)
}

func (p *adminPage) renderAudit() app.UI {
	return app.Section().ID("audit").Class("card").Aria("labelledby", "audit-heading").Body(
		app.H2().ID("audit-heading").TabIndex(-1).Text("Audit log"),
		app.P().Class("muted").Text("What staff did to accounts, newest first."),
		p.renderEvents("audit-list", "audit-heading", p.audit, true),
	)
}

// renderEvents shows a list, under the heading with that id; byWhom adds
// the account each event is about (the audit spans accounts).
func (p *adminPage) renderEvents(id, heading string, l *eventList, byWhom bool) app.UI {
	var list app.UI
	switch {
	case len(l.events) == 0 && l.more.Busy:
		list = Loading("Loading events…")
	case len(l.events) == 0 && l.more.Notice.Kind == "":
		list = app.P().Class("muted").Text("Nothing yet.")
	case len(l.events) == 0: // the first page failed, and the notice says why
		list = app.Button().Type("button").ID(id + "-retry").Class("button small").Text("Try again").
			OnClick(func(ctx app.Context, e app.Event) {
				p.load(ctx, l, func(err error) { p.Retried(err, id+"-retry", heading) })
			})
	default:
		list = app.Ul().ID(id).Class("events").Body(app.Range(l.events).Slice(func(i int) app.UI {
			return EventItem(l.events[i].SecurityEvent, auditDetails(l.events[i], byWhom)...)
		}))
	}
	return app.Div().Body(
		l.more.Notice.Render(id+"-notice"),
		list,
		// A new list shows no button until its first page is in, so the
		// button, and the list its handler holds, is made anew with it.
		MoreButton(id+"-more", l.more.Busy, l.done || len(l.events) == 0,
			func(ctx app.Context, e app.Event) { p.load(ctx, l, nil) }),
	)
}

// auditDetails says who acted, and on which account when byWhom.
func auditDetails(e shared.AuditEvent, byWhom bool) []app.UI {
	var more []app.UI
	if byWhom {
		whose := e.UserEmail
		if whose == "" {
			whose = "a deleted account"
		}
		more = append(more, app.Span().Text(" · "+whose))
	}
	if e.ActorID != "" || e.ActorEmail != "" {
		more = append(more, app.Span().Class("event-actor").Text(" · by "+orUnknown(e.ActorEmail)))
	}
	return more
}
