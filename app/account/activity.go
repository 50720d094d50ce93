package account

import (
	"context"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// activityCard is the profile's "Recent security activity": what happened
// to the account, in plain words, newest first, page by page.
type activityCard struct {
	card
	calls  client
	events []shared.SecurityEvent
	more   app.Form // busy while a page loads; its notice says why one failed
	done   bool     // the last page came back short
}

func newActivityCard(api *app.Client) *activityCard {
	return &activityCard{card: app.NewCard(api, "/profile").WithHeading("activity-heading"), calls: client{api}}
}

func (c *activityCard) OnMount(ctx goapp.Context) {
	c.card.OnMount(ctx)
	c.Load(ctx, func(ctx context.Context) (func(goapp.Context), error) {
		events, err := c.calls.activity(ctx, "")
		return func(goapp.Context) { c.events, c.done = events, len(events) < app.EventPageSize }, err
	})
}

func (c *activityCard) Render() goapp.UI {
	body := []goapp.UI{
		goapp.H2().ID("activity-heading").TabIndex(-1).Text("Recent security activity"),
		goapp.P().Class("muted").Text("Sign-ins, sign-outs and changes to your account. If something here was not you, change your password and sign out everywhere."),
	}
	if waiting := c.Waiting("Loading your activity…"); waiting != nil {
		return goapp.Section().Class("card").Aria("labelledby", "activity-heading").Body(append(body, waiting)...)
	}
	list := goapp.UI(goapp.P().Class("muted").Text("Nothing yet."))
	if len(c.events) > 0 {
		list = goapp.Ul().ID("activity-list").Class("events").Body(goapp.Range(c.events).Slice(func(i int) goapp.UI {
			return app.EventItem(c.events[i])
		}))
	}
	return goapp.Section().Class("card").Aria("labelledby", "activity-heading").Body(append(body,
		c.more.Notice.Render("activity-notice"),
		list,
		app.MoreButton("activity-more", c.more.Busy, c.done, c.onMore),
	)...)
}

func (c *activityCard) onMore(ctx goapp.Context, e goapp.Event) {
	before := ""
	if n := len(c.events); n > 0 {
		before = c.events[n-1].ID
	}
	c.Submit(ctx, e, app.Submission[[]shared.SecurityEvent]{
		Form: &c.more,
		Send: func(ctx context.Context) ([]shared.SecurityEvent, error) { return c.calls.activity(ctx, before) },
		Done: func(_ goapp.Context, events []shared.SecurityEvent) {
			c.events, c.done = append(c.events, events...), len(events) < app.EventPageSize
		},
		Failed: c.SessionEnded,
	})
}
