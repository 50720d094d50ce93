package app

import (
	"context"
	"strings"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// adminPageSize is how many users one page of the admin table shows.
const adminPageSize = shared.DefaultPageSize

// adminPage is /admin, for staff: find users by email or name, page
// through them, change them (admin_users.go) or delete them
// (admin_delete.go), read one account's security events and the audit log
// of what staff did (admin_events.go). Everyone else sees a page saying
// they have no access; the server enforces the same rule on every call.
type adminPage struct {
	signedInPage
	forbidden bool

	search  Form   // the search box; busy while any page of users loads
	query   string // the search the table shows
	offset  int
	users   []shared.User
	total   int
	listErr error

	change     Form         // the notice about the last change, and a change in flight
	updating   string       // id of the user being changed
	confirming *shared.User // the user awaiting confirmation of deactivation
	resetting  *shared.User // the user awaiting confirmation of a second-factor reset
	deleting   *shared.User // the user awaiting confirmation of deletion

	activityOf *shared.User // the user whose events are open
	activity   *eventList   // their events
	audit      *eventList   // what staff did
}

func newAdminPage(api *Client) *adminPage {
	return &adminPage{signedInPage: NewSignedInPage(api, "/admin"), search: NewForm("q"), audit: newAudit()}
}

func (p *adminPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Admin · authkit")
	if app.IsServer {
		return
	}
	p.Load(ctx, func(context.Context) (func(app.Context), error) { return p.loaded, nil })
}

// loaded lists the first page of users for staff.
func (p *adminPage) loaded(ctx app.Context) {
	p.forbidden = !p.User.IsStaff
	if !p.forbidden {
		p.list(ctx, app.Event{}, false)
		p.reloadAudit(ctx)
	}
}

// list fetches the page of users at p.offset for p.query, through the
// search form: a search, a turned page and a retry all wait for it.
// retried when the list's Try again asks (see Page.Retried).
func (p *adminPage) list(ctx app.Context, e app.Event, retried bool) {
	query, offset := p.query, p.offset
	p.listErr = nil
	p.Submit(ctx, e, Submission[shared.UsersResponse]{
		Form: &p.search,
		Send: func(ctx context.Context) (shared.UsersResponse, error) {
			return p.API.Users(ctx, query, adminPageSize, offset)
		},
		Done: func(_ app.Context, resp shared.UsersResponse) {
			p.users, p.total = resp.Users, resp.Total
			if retried {
				p.Retried(nil, "users-retry", "users-heading")
			}
		},
		Failed: func(ctx app.Context, err error) bool {
			switch {
			case p.SessionEnded(ctx, err):
			case HasCode(err, shared.CodeForbidden):
				p.forbidden = true
			default:
				p.listErr = err
				if retried {
					p.Retried(err, "users-retry", "users-heading")
				}
			}
			return true
		},
	})
}

func (p *adminPage) Render() app.UI {
	page := p.Chrome()
	page.Wide = true
	switch waiting := p.Waiting("Checking your access…"); {
	case waiting != nil:
		return page.Render(app.H1().Text("Admin"), waiting)
	case p.forbidden:
		return page.Render(noAccess())
	}
	return page.Render(
		app.H1().ID("users-heading").TabIndex(-1).Text("Users"),
		p.renderSearch(),
		p.change.Notice.Render("admin-notice"),
		p.renderConfirm(),
		p.renderConfirmReset(),
		p.renderConfirmDelete(),
		p.renderResults(),
		p.renderUserEvents(),
		p.renderAudit(),
	)
}

func noAccess() app.UI {
	return app.Section().ID("no-access").Class("card narrow").Body(
		app.H1().Text("You do not have access"),
		app.P().Text("The admin pages are for staff accounts. If you need access, ask an administrator."),
		app.A().Class("button").Href("/profile").Text("Back to your profile"),
	)
}

func (p *adminPage) renderSearch() app.UI {
	return app.Form().ID("admin-search-form").Class("search").Role("search").NoValidate(true).OnSubmit(p.onSearch).Body(
		p.search.Input(Field{Name: "q", Label: "Search by email or name", Kind: "search", Autocomplete: "off"}),
		SubmitButton("Search", "Searching…", p.search.Busy),
	)
}

func (p *adminPage) onSearch(ctx app.Context, e app.Event) {
	if !p.search.Busy {
		p.query, p.offset = strings.TrimSpace(p.search.Value("q")), 0
		p.confirming, p.deleting, p.change.Notice = nil, nil, Notice{}
	}
	p.list(ctx, e, false)
}

func (p *adminPage) renderResults() app.UI {
	switch {
	case p.listErr != nil:
		return LoadFailed("users-retry", p.listErr, func(ctx app.Context, e app.Event) { p.list(ctx, e, true) })
	case p.users == nil && p.search.Busy:
		return Loading("Loading users…")
	case len(p.users) == 0 && p.offset > 0:
		// A later page emptied (its last users deleted): the way back.
		return app.Div().Class("results").Aria("busy", p.search.Busy).Body(
			app.P().ID("no-results").Class("muted").Text("No users left on this page."),
			p.renderPager(len(p.users)),
		)
	case len(p.users) == 0:
		return app.P().ID("no-results").Class("muted").Text("No users match this search.")
	}
	first, last := p.offset+1, p.offset+len(p.users)
	return app.Div().Class("results").Aria("busy", p.search.Busy).Body(
		// The table scrolls sideways on a phone: the keyboard must reach
		// the scrolling box (WCAG 2.1.1; axe's scrollable-region-focusable),
		// and a screen reader must know what it holds.
		app.Div().Class("table-scroll").TabIndex(0).Role("region").Aria("labelledby", "users-caption").Body(
			app.Table().ID("users").Class("users").Body(
				app.Caption().ID("users-caption").Textf("Users %d–%d of %d", first, last, p.total),
				app.THead().Body(app.Tr().Body(
					th("Email"), th("Name"), th("Active"), th("Staff"), th("Sign-in"), th("Joined"), th("Last login"), th("Actions"),
				)),
				app.TBody().Body(
					app.Range(p.users).Slice(func(i int) app.UI { return p.renderUser(p.users[i]) }),
				),
			),
		),
		p.renderPager(len(p.users)),
	)
}

// renderPager draws Previous, the page's number and Next, for a page
// showing shown users.
func (p *adminPage) renderPager(shown int) app.UI {
	page := p.offset/adminPageSize + 1
	return app.Nav().Class("pager").Aria("label", "Pages").Body(
		p.pagerButton("prev-page", "Previous", p.offset == 0, -adminPageSize),
		app.Span().Textf("Page %d of %d", page, max(page, (p.total+adminPageSize-1)/adminPageSize)),
		p.pagerButton("next-page", "Next", p.offset+shown >= p.total, adminPageSize),
	)
}

func th(label string) app.UI { return app.Th().Scope("col").Text(label) }

// pagerButton turns the page by step. While a page loads it is
// aria-disabled rather than disabled, so that focus stays on it for the
// next press (see ActionButton).
func (p *adminPage) pagerButton(id, label string, atEnd bool, step int) app.UI {
	b := app.Button().Type("button").ID(id).Class("button small").Text(label).
		OnClick(func(ctx app.Context, e app.Event) { p.turnPage(ctx, e, step) }, app.EventScope(id))
	switch {
	case atEnd:
		b = b.Disabled(true)
	case p.search.Busy:
		b = b.Aria("disabled", "true")
	}
	return b
}

// turnPage moves by step, unless a page is still loading: a double click
// turns one page, and the table's caption names the page it shows.
func (p *adminPage) turnPage(ctx app.Context, e app.Event, step int) {
	if p.search.Busy {
		return
	}
	p.offset, p.confirming, p.deleting, p.change.Notice = max(0, p.offset+step), nil, nil, Notice{}
	p.list(ctx, e, false)
}
