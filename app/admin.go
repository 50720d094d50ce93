package app

import (
	"fmt"
	"strings"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// adminPageSize is how many users one page of the admin table shows.
const adminPageSize = shared.DefaultPageSize

// adminPage is /admin, for staff: find users by email or name, page
// through them, activate or deactivate them (after a confirmation) and,
// for superusers, grant or revoke staff. Everyone else sees a page saying
// they have no access; the server enforces the same rule on every call.
type adminPage struct {
	basePage
	api *Client

	me        *shared.User
	loadErr   error
	forbidden bool

	search  string // what is typed in the search box
	query   string // the search the table shows
	offset  int
	users   []shared.User
	total   int
	listing bool
	listErr error

	updating   string       // id of the user being changed
	confirming *shared.User // the user awaiting confirmation of deactivation
	notice     notice
}

func (p *adminPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Admin · authkit")
	if app.IsServer {
		return
	}
	p.load(ctx)
}

// load checks who is visiting, then lists the first page for staff.
func (p *adminPage) load(ctx app.Context) {
	p.loadErr = nil
	p.background(ctx, func() func(app.Context) {
		me, err := p.api.Me(ctx)
		return func(ctx app.Context) {
			switch {
			case isSignedOut(err):
				redirect(loginURL("/admin"))
			case err != nil:
				p.loadErr = err
			default:
				p.me, p.forbidden = &me, !me.IsStaff
				if !p.forbidden {
					p.list(ctx)
				}
			}
		}
	})
}

func (p *adminPage) onRetry(ctx app.Context, e app.Event) { p.load(ctx) }

// list fetches the page of users at p.offset for p.query.
func (p *adminPage) list(ctx app.Context) {
	p.listing, p.listErr = true, nil
	query, offset := p.query, p.offset
	p.background(ctx, func() func(app.Context) {
		resp, err := p.api.Users(ctx, query, adminPageSize, offset)
		return func(ctx app.Context) {
			p.listing = false
			switch {
			case isSignedOut(err):
				redirect(loginURL("/admin"))
			case hasCode(err, shared.CodeForbidden):
				p.forbidden = true
			case err != nil:
				p.listErr = err
			default:
				p.users, p.total = resp.Users, resp.Total
			}
		}
	})
}

func (p *adminPage) Render() app.UI {
	page := chrome{path: "/admin", user: p.me, known: p.me != nil, wide: true}
	switch {
	case p.loadErr != nil:
		return page.render(app.H1().Text("Admin"), loadFailed(p.loadErr, p.onRetry))
	case p.me == nil:
		return page.render(app.H1().Text("Admin"), loading("Checking your access…"))
	case p.forbidden:
		return page.render(noAccess())
	}
	return page.render(
		app.H1().Text("Users"),
		p.renderSearch(),
		p.notice.render("admin-notice"),
		p.renderConfirm(),
		p.renderResults(),
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
		field{
			name: "q", label: "Search by email or name", kind: "search", autocomplete: "off",
			value: p.search, onInput: p.onSearchInput,
		}.render(),
		submitButton("Search", "Searching…", p.listing),
	)
}

func (p *adminPage) onSearchInput(ctx app.Context, e app.Event) { p.search = inputValue(ctx) }

func (p *adminPage) onSearch(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.listing {
		return
	}
	p.query, p.offset, p.confirming, p.notice = strings.TrimSpace(p.search), 0, nil, notice{}
	p.list(ctx)
}

func (p *adminPage) renderResults() app.UI {
	switch {
	case p.listErr != nil:
		return loadFailed(p.listErr, func(ctx app.Context, e app.Event) { p.list(ctx) })
	case p.users == nil && p.listing:
		return loading("Loading users…")
	case len(p.users) == 0:
		return app.P().ID("no-results").Class("muted").Text("No users match this search.")
	}
	first, last := p.offset+1, p.offset+len(p.users)
	return app.Div().Class("results").Aria("busy", p.listing).Body(
		app.Div().Class("table-scroll").Body(
			app.Table().ID("users").Class("users").Body(
				app.Caption().Textf("Users %d–%d of %d", first, last, p.total),
				app.THead().Body(app.Tr().Body(
					th("Email"), th("Name"), th("Active"), th("Staff"), th("Joined"), th("Last login"), th("Actions"),
				)),
				app.TBody().Body(
					app.Range(p.users).Slice(func(i int) app.UI { return p.renderUser(p.users[i]) }),
				),
			),
		),
		app.Nav().Class("pager").Aria("label", "Pages").Body(
			p.pagerButton("prev-page", "Previous", p.offset == 0, -adminPageSize),
			app.Span().Textf("Page %d of %d", p.offset/adminPageSize+1, max(1, (p.total+adminPageSize-1)/adminPageSize)),
			p.pagerButton("next-page", "Next", last >= p.total, adminPageSize),
		),
	)
}

func th(label string) app.UI { return app.Th().Scope("col").Text(label) }

func (p *adminPage) pagerButton(id, label string, atEnd bool, step int) app.UI {
	b := app.Button().Type("button").ID(id).Class("button small").Text(label).
		OnClick(func(ctx app.Context, e app.Event) { p.turnPage(ctx, step) }, app.EventScope(id))
	if atEnd || p.listing {
		b = b.Disabled(true)
	}
	return b
}

func (p *adminPage) turnPage(ctx app.Context, step int) {
	p.offset, p.confirming, p.notice = max(0, p.offset+step), nil, notice{}
	p.list(ctx)
}

func (p *adminPage) renderUser(u shared.User) app.UI {
	lastLogin := app.UI(app.Text("Never"))
	if u.LastLogin != nil {
		lastLogin = timeTag(*u.LastLogin, formatDateTime)
	}
	return app.Tr().DataSet("user", u.ID).Body(
		app.Td().Class("user-email").Text(u.Email),
		app.Td().Class("user-name").Text(u.Name),
		app.Td().Body(yesNo(u.IsActive, "Active", "Inactive")),
		app.Td().Body(yesNo(u.IsStaff, "Staff", "No")),
		app.Td().Body(timeTag(u.DateJoined, formatShortDate)),
		app.Td().Body(lastLogin),
		app.Td().Body(app.Div().Class("row-actions").Body(p.userActions(u)...)),
	)
}

func yesNo(v bool, yes, no string) app.UI {
	if v {
		return app.Span().Class("badge yes").Text(yes)
	}
	return app.Span().Class("badge no").Text(no)
}

// userActions are a row's buttons. Nobody changes their own account here:
// deactivating oneself or dropping one's own staff flag would lock one out
// halfway through a task.
func (p *adminPage) userActions(u shared.User) []app.UI {
	if u.ID == p.me.ID {
		return []app.UI{app.Span().Class("muted").Text("This is you")}
	}
	busy := p.updating == u.ID
	activeLabel, activeClass := "Activate", "button small"
	if u.IsActive {
		activeLabel, activeClass = "Deactivate", "button small danger"
	}
	actions := []app.UI{
		actionButton("button", activeClass, activeLabel, "Saving…", busy,
			func(ctx app.Context, e app.Event) { p.onToggleActive(ctx, u) }, app.EventScope(u.ID, "active")).
			ID("toggle-active-"+u.ID).
			Aria("label", fmt.Sprintf("%s %s", activeLabel, u.Email)),
	}
	if p.me.IsSuperuser {
		staffLabel := "Make staff"
		if u.IsStaff {
			staffLabel = "Remove staff"
		}
		actions = append(actions, actionButton("button", "button small", staffLabel, "Saving…", busy,
			func(ctx app.Context, e app.Event) { p.onToggleStaff(ctx, u) }, app.EventScope(u.ID, "staff")).
			ID("toggle-staff-"+u.ID).
			Aria("label", fmt.Sprintf("%s: %s", staffLabel, u.Email)))
	}
	return actions
}

// onToggleActive activates a user at once, or asks before deactivating.
func (p *adminPage) onToggleActive(ctx app.Context, u shared.User) {
	if p.updating != "" {
		return
	}
	if u.IsActive {
		p.confirming, p.notice = &u, notice{}
		p.focus("cancel-deactivate")
		return
	}
	active := true
	p.update(ctx, u, shared.AdminUpdateUserRequest{IsActive: &active}, u.Email+" has been activated and can log in again.")
}

func (p *adminPage) onToggleStaff(ctx app.Context, u shared.User) {
	if p.updating != "" {
		return
	}
	staff := !u.IsStaff
	done := u.Email + " is now staff."
	if !staff {
		done = u.Email + " is no longer staff."
	}
	p.update(ctx, u, shared.AdminUpdateUserRequest{IsStaff: &staff}, done)
}

func (p *adminPage) renderConfirm() app.UI {
	if p.confirming == nil {
		return nil
	}
	u := p.confirming
	return app.Div().ID("confirm-panel").Class("confirm card").Role("alertdialog").
		Aria("labelledby", "confirm-title").Aria("describedby", "confirm-text").
		OnKeyDown(p.onConfirmKey).Body(
		app.H2().ID("confirm-title").Textf("Deactivate %s?", u.Email),
		app.P().ID("confirm-text").Text("They will be signed out on every device and cannot log in until an admin activates the account again."),
		app.Div().Class("actions").Body(
			app.Button().Type("button").ID("confirm-deactivate").Class("button danger").Text("Deactivate").OnClick(p.onConfirm),
			app.Button().Type("button").ID("cancel-deactivate").Class("button").Text("Cancel").OnClick(p.onCancelConfirm),
		),
	)
}

func (p *adminPage) onConfirm(ctx app.Context, e app.Event) {
	if p.confirming == nil {
		return
	}
	u := *p.confirming
	p.confirming = nil
	active := false
	p.update(ctx, u, shared.AdminUpdateUserRequest{IsActive: &active}, u.Email+" has been deactivated and signed out everywhere.")
}

func (p *adminPage) onCancelConfirm(ctx app.Context, e app.Event) {
	if p.confirming != nil {
		p.focus("toggle-active-" + p.confirming.ID)
	}
	p.confirming = nil
}

func (p *adminPage) onConfirmKey(ctx app.Context, e app.Event) {
	if e.Get("key").String() == "Escape" {
		p.onCancelConfirm(ctx, e)
	}
}

// update sends an admin change for u and swaps the answer into the table.
func (p *adminPage) update(ctx app.Context, u shared.User, req shared.AdminUpdateUserRequest, done string) {
	if err := req.Validate(); err != nil {
		p.notice = errorNotice(err)
		return
	}
	p.updating, p.notice = u.ID, notice{}
	p.background(ctx, func() func(app.Context) {
		updated, err := p.api.UpdateUser(ctx, u.ID, req)
		return func(ctx app.Context) {
			p.updating = ""
			switch {
			case isSignedOut(err):
				redirect(loginURL("/admin"))
			case err != nil:
				p.notice = errorNotice(err)
			default:
				for i := range p.users {
					if p.users[i].ID == updated.ID {
						p.users[i] = updated
					}
				}
				p.notice = successNotice(done)
			}
			p.focus("toggle-active-" + u.ID)
		}
	})
}
