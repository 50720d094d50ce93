package notes

import (
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The draft: what the note forms hold, kept in the tab's sessionStorage as
// it is typed, so a note being written outlives a session that ends under
// it. The save then leads to the login form, which comes back here to a
// fresh page; that page puts the draft back in its forms. The draft is
// kept under the writer's user id, so someone else signing in on the same
// tab never sees it; it goes once the forms are empty again (the note was
// added or saved, the editor closed, the fields cleared), and the app
// empties the tab's sessionStorage on a logout (app.Client.Logout). It
// never reaches the server, nor outlives the tab.

// draft is what the forms hold: the add form's fields, and the editor's
// with the id of the note it edits.
type draft struct {
	Title     string `json:"title,omitempty"`
	Body      string `json:"body,omitempty"`
	Editing   string `json:"editing,omitempty"`
	EditTitle string `json:"edit_title,omitempty"`
	EditBody  string `json:"edit_body,omitempty"`
}

// draftKey is where the draft of the user with this id is kept.
func draftKey(userID string) string { return "authkit.notes.draft." + userID }

// onDraftInput keeps the draft after each keystroke in either form (its
// input events bubble up to the form, after the field's own handler has
// taken the value).
func (p *page) onDraftInput(ctx goapp.Context, e goapp.Event) { p.keepDraft(ctx) }

// keepDraft saves what the forms hold as the signed-in user's draft, or
// drops the draft when they hold nothing. ctx is a zero Context in native
// tests that play answers, which have no storage: nothing is kept then.
func (p *page) keepDraft(ctx goapp.Context) {
	storage := ctx.SessionStorage()
	if storage == nil || p.User == nil {
		return
	}
	d := draft{Title: p.addForm.Value("title"), Body: p.addForm.Value("body")}
	if p.editing != "" {
		d.Editing, d.EditTitle, d.EditBody = p.editing, p.editForm.Value("title"), p.editForm.Value("body")
	}
	if d == (draft{}) {
		storage.Del(draftKey(p.User.ID))
		return
	}
	// A storage that is full or turned off keeps nothing: the draft is
	// then lost as it was before, and the page works on.
	_ = storage.Set(draftKey(p.User.ID), d)
}

// restoreDraft puts the signed-in user's draft, if one is kept, back in
// the forms, once the page has loaded. The editor opens again only on a
// note that still exists.
func (p *page) restoreDraft(ctx goapp.Context) {
	storage := ctx.SessionStorage()
	if storage == nil || p.User == nil {
		return
	}
	var d draft
	if err := storage.Get(draftKey(p.User.ID), &d); err != nil || d == (draft{}) {
		return
	}
	p.addForm.Reset(map[string]string{"title": d.Title, "body": d.Body})
	if _, ok := p.note(d.Editing); ok {
		p.editing = d.Editing
		p.editForm.Reset(map[string]string{"title": d.EditTitle, "body": d.EditBody})
	}
}
