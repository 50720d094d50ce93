package app

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The profile page is a column of sections (account, security, sessions
// and what modules add: activity, the danger zone), with a list of
// in-page links at the top, so the page stays easy to scan on a phone.

// ProfileSection is a card that a module adds to the profile page.
type ProfileSection struct {
	// ID is the card's anchor: the in-page link leads to #ID, and focus
	// follows it there.
	ID string
	// Label is the card's in-page link; "" for a card that belongs with
	// the section before it, such as an email form after the account.
	Label string
	// After is the id of the core section the card follows ("account",
	// "security" or "sessions"); "" puts it at the end.
	After string
	// Card is the card itself, made once per visit of the page; Card is
	// its base.
	Card app.Composer
}

// Card is the base of a module's card on a page that is for signed-in
// people (a ProfileSection): it loads the user and its own data, keeps
// the user current when a card changes it (Client.UserChanged), sends
// forms and leads to the login form when the session is over, as a
// SignedInPage does; the page around it keeps a page's other duties.
// Cards call Load from OnMount, after the base's OnMount, or set User
// from their own loading.
type Card struct {
	SignedInPage
}

// NewCard returns the base of a card on the page at path (where the login
// form comes back to), calling api.
func NewCard(api *Client, path string) Card {
	base := NewSignedInPage(api, path)
	base.loaded = "" // not the page's main content; WithHeading names its place
	return Card{base}
}

// WithHeading names the card's heading (which needs TabIndex(-1)): focus
// goes there once its Try again has loaded the card (see Page.Retried).
func (c Card) WithHeading(id string) Card {
	c.loaded = id
	return c
}

// OnAppUpdate does nothing: the page the card is on reloads.
func (c *Card) OnAppUpdate(app.Context) {}

// coreSections are the profile's own sections, in order, with their
// in-page links.
var coreSections = []struct{ id, label string }{
	{"account", "Account"},
	{"security", "Security"},
	{"sessions", "Sessions"},
}

// moduleSections builds the modules' cards for one visit of the page.
func moduleSections(api *Client) []ProfileSection {
	var sections []ProfileSection
	for _, m := range modules {
		if m.ProfileSections != nil {
			sections = append(sections, m.ProfileSections(api)...)
		}
	}
	return sections
}

// renderSections lays out the core sections (by id) and the modules'
// cards after the section each follows, with the in-page links first.
func (p *profilePage) renderSections(core map[string][]app.UI) []app.UI {
	var links, body []app.UI
	addLink := func(id, label string) {
		links = append(links, app.Li().Body(app.A().Href("#"+id).Text(label)))
	}
	placed := map[int]bool{}
	for _, s := range coreSections {
		addLink(s.id, s.label)
		body = append(body, app.Div().ID(s.id).Class("profile-section").TabIndex(-1).Body(core[s.id]...))
		for i, m := range p.sections {
			if m.After == s.id {
				body, placed[i] = append(body, p.renderModuleSection(m, &links)), true
			}
		}
	}
	for i, m := range p.sections {
		if !placed[i] {
			body = append(body, p.renderModuleSection(m, &links))
		}
	}
	nav := app.Nav().Class("page-nav").Aria("label", "Profile sections").Body(app.Ul().Body(links...))
	return append([]app.UI{nav}, body...)
}

func (p *profilePage) renderModuleSection(s ProfileSection, links *[]app.UI) app.UI {
	if s.Label != "" {
		*links = append(*links, app.Li().Body(app.A().Href("#"+s.ID).Text(s.Label)))
	}
	return app.Div().ID(s.ID).Class("profile-section").TabIndex(-1).Body(s.Card)
}

// focusFragment moves focus to the section an in-page link leads to:
// go-app scrolls there, but keyboard and screen reader users need focus
// to follow.
func (p *profilePage) focusFragment(ctx app.Context) {
	if u := ctx.Page().URL(); u != nil && u.Fragment != "" && !strings.ContainsAny(u.Fragment, " \"'") {
		p.Focus(u.Fragment)
	}
}
