package app

import (
	"slices"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// noteFields are a note form's fields, in focus order. The add form's
// inputs have these ids; the editor's carry an "edit-" prefix, so both
// forms can be on the page at once.
var noteFields = []string{"title", "body"}

// notesPage is /notes, the page of the private notes example: the user's
// notes, newest first, a form to add one, and on each note a way to edit
// it in place and to delete it after a confirmation. Signed-out visitors
// are sent to the login form. docs/deleting-the-notes-example.md removes it.
type notesPage struct {
	basePage
	api *Client

	user    *shared.User
	notes   []shared.Note
	loadErr error

	title, body string // the add form
	addErrs     map[string]string
	addNotice   notice
	adding      bool

	editing             string // id of the note being edited in place
	editTitle, editBody string
	editErrs            map[string]string
	editNotice          notice
	saving              bool

	confirming   string // id of the note awaiting confirmation of deletion
	deleting     string // id of the note being deleted
	deleteNotice notice // why the last deletion failed, in the confirmation

	// The outcome of the last edit or deletion. Each action clears the
	// other forms' notices, so only news of the latest one shows.
	listNotice notice
}

func (p *notesPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Notes · authkit")
	if app.IsServer {
		return
	}
	p.load(ctx)
}

// load fetches the user (for the navigation), then their notes.
func (p *notesPage) load(ctx app.Context) {
	p.loadErr = nil
	p.background(ctx, func() func(app.Context) {
		user, err := p.api.Me(ctx)
		var notes []shared.Note
		if err == nil {
			notes, err = p.api.ListNotes(ctx)
		}
		return func(ctx app.Context) {
			switch {
			case isSignedOut(err):
				p.signedOut()
			case err != nil:
				p.loadErr = err
			default:
				p.user, p.notes = &user, notes
			}
		}
	})
}

func (p *notesPage) onRetry(ctx app.Context, e app.Event) { p.load(ctx) }

// signedOut forgets the notes, so none stays in memory, and sends the
// visitor to the login form, which comes back here.
func (p *notesPage) signedOut() {
	p.user, p.notes, p.editing, p.confirming = nil, nil, "", ""
	p.title, p.body, p.editTitle, p.editBody = "", "", "", ""
	redirect(loginURL("/notes"))
}

func (p *notesPage) Render() app.UI {
	page := chrome{path: "/notes", user: p.user, known: p.user != nil}
	switch {
	case p.loadErr != nil:
		return page.render(app.H1().Text("Notes"), loadFailed(p.loadErr, p.onRetry))
	case p.user == nil:
		return page.render(app.H1().Text("Notes"), loading("Loading your notes…"))
	}
	return page.render(
		app.H1().Text("Notes"),
		p.renderAddForm(),
		p.renderNotes(),
	)
}

func (p *notesPage) renderAddForm() app.UI {
	return app.Section().Class("card").Aria("labelledby", "add-note-heading").Body(
		app.H2().ID("add-note-heading").Text("Add a note"),
		p.addNotice.render("note-notice"),
		app.Form().ID("note-form").NoValidate(true).OnSubmit(p.onAdd).Body(
			field{
				name: "title", label: "Title", kind: "text", autocomplete: "off",
				value: p.title, err: p.addErrs["title"], onInput: p.onTitle,
			}.render(),
			textArea{
				name: "body", label: "Note (optional)",
				value: p.body, err: p.addErrs["body"], onInput: p.onBody,
			}.render(),
			submitButton("Add note", "Saving…", p.adding),
		),
	)
}

func (p *notesPage) onTitle(ctx app.Context, e app.Event) {
	p.title = inputValue(ctx)
	delete(p.addErrs, "title")
}

func (p *notesPage) onBody(ctx app.Context, e app.Event) {
	p.body = inputValue(ctx)
	delete(p.addErrs, "body")
}

func (p *notesPage) onAdd(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.add(ctx)
}

// add checks the add form with the server's own rules, and sends it only
// when they pass.
func (p *notesPage) add(ctx app.Context) {
	if p.adding {
		return
	}
	req := shared.CreateNoteRequest{Title: p.title, Body: p.body}
	if err := req.Validate(); err != nil {
		p.addErrs, p.addNotice = fieldErrors(err), notice{}
		p.focusFirstError(noteFields, p.addErrs)
		return
	}
	p.adding, p.addErrs, p.addNotice, p.listNotice = true, nil, notice{}, notice{}
	p.background(ctx, func() func(app.Context) {
		note, err := p.api.CreateNote(ctx, req)
		return func(ctx app.Context) { p.added(note, err) }
	})
}

// added applies the answer to an add: the new note goes on top.
func (p *notesPage) added(note shared.Note, err error) {
	p.adding = false
	switch {
	case isSignedOut(err):
		p.signedOut()
	case err != nil:
		p.addErrs, p.addNotice = formErrors(err, noteFields)
		p.focusFirstError(noteFields, p.addErrs)
	default:
		p.notes = slices.Insert(p.notes, 0, note)
		p.title, p.body = "", ""
		p.clearInputs("title", "body")
		p.addNotice = successNotice("Your note “" + note.Title + "” has been added.")
	}
}

func (p *notesPage) renderNotes() app.UI {
	list := app.UI(app.P().ID("no-notes").Class("muted").Text("No notes yet. Only you can read the notes you add here."))
	if len(p.notes) > 0 {
		list = app.Ul().ID("notes").Class("notes").Body(
			app.Range(p.notes).Slice(func(i int) app.UI { return p.renderNote(p.notes[i]) }),
		)
	}
	return app.Section().Class("card").Aria("labelledby", "notes-heading").Body(
		// Focus lands on the heading when the note that had it is gone.
		app.H2().ID("notes-heading").TabIndex(-1).Text("Your notes"),
		p.listNotice.render("notes-notice"),
		list,
	)
}

func (p *notesPage) renderNote(n shared.Note) app.UI {
	if n.ID == p.editing {
		return p.renderEditor(n)
	}
	// The scopes tie each handler to its note, so go-app does not keep a
	// stale closure when the list changes (EventScope); the handlers look
	// the note up by id, as a kept closure may hold an older copy.
	return app.Li().Class("note").DataSet("note", n.ID).Body(
		app.Div().Class("note-head").Body(
			app.H3().Class("note-title").Text(n.Title),
			app.Div().Class("row-actions").Body(
				app.Button().Type("button").ID("edit-note-"+n.ID).Class("button small").
					Aria("label", "Edit “"+n.Title+"”").Text("Edit").
					OnClick(func(ctx app.Context, e app.Event) { p.startEdit(n.ID) }, app.EventScope(n.ID, "edit")),
				app.Button().Type("button").ID("delete-note-"+n.ID).Class("button small danger").
					Aria("label", "Delete “"+n.Title+"”").Text("Delete").
					OnClick(func(ctx app.Context, e app.Event) { p.askDelete(n.ID) }, app.EventScope(n.ID, "delete")),
			),
		),
		app.If(n.Body != "", func() app.UI { return app.P().Class("note-body").Text(n.Body) }),
		app.P().Class("note-meta").Body(
			app.Span().Body(app.Text("Added "), timeTag(n.CreatedAt, formatDateTime)),
			app.If(n.UpdatedAt.After(n.CreatedAt), func() app.UI {
				return app.Span().Body(app.Text("Edited "), timeTag(n.UpdatedAt, formatDateTime))
			}),
		),
		app.If(p.confirming == n.ID, func() app.UI { return p.renderConfirmDelete(n) }),
	)
}

// note returns the note with id from the list.
func (p *notesPage) note(id string) (shared.Note, bool) {
	i := slices.IndexFunc(p.notes, func(n shared.Note) bool { return n.ID == id })
	if i < 0 {
		return shared.Note{}, false
	}
	return p.notes[i], true
}

// ---- Editing in place ----------------------------------------------------

func (p *notesPage) renderEditor(n shared.Note) app.UI {
	cancel := app.Button().Type("button").ID("cancel-edit").Class("button").Text("Cancel").OnClick(p.onCancelEdit)
	if p.saving {
		cancel = cancel.Disabled(true)
	}
	return app.Li().Class("note editing").DataSet("note", n.ID).Body(
		app.Form().ID("edit-note-form").Aria("label", "Edit “"+n.Title+"”").NoValidate(true).
			OnSubmit(p.onSaveEdit).OnKeyDown(p.onEditKey).Body(
			p.editNotice.render("edit-notice"),
			field{
				name: "edit-title", label: "Title", kind: "text", autocomplete: "off",
				value: p.editTitle, err: p.editErrs["title"], onInput: p.onEditTitle,
			}.render(),
			textArea{
				name: "edit-body", label: "Note (optional)",
				value: p.editBody, err: p.editErrs["body"], onInput: p.onEditBody,
			}.render(),
			app.Div().Class("actions").Body(
				actionButton("submit", "button primary", "Save", "Saving…", p.saving, nil).ID("save-note"),
				cancel,
			),
		),
	)
}

// startEdit opens the editor on a note, in place of the note. One note is
// edited at a time; opening another drops unsaved changes to the first.
func (p *notesPage) startEdit(id string) {
	n, ok := p.note(id)
	if !ok || p.saving {
		return
	}
	p.editing, p.editTitle, p.editBody = id, n.Title, n.Body
	p.editErrs, p.editNotice, p.listNotice, p.addNotice = nil, notice{}, notice{}, notice{}
	if p.confirming == id {
		p.confirming, p.deleteNotice = "", notice{}
	}
	p.focus("edit-title")
}

func (p *notesPage) onEditTitle(ctx app.Context, e app.Event) {
	p.editTitle = inputValue(ctx)
	delete(p.editErrs, "title")
}

func (p *notesPage) onEditBody(ctx app.Context, e app.Event) {
	p.editBody = inputValue(ctx)
	delete(p.editErrs, "body")
}

func (p *notesPage) onCancelEdit(ctx app.Context, e app.Event) { p.cancelEdit() }

func (p *notesPage) onEditKey(ctx app.Context, e app.Event) {
	if e.Get("key").String() == "Escape" {
		p.cancelEdit()
	}
}

// cancelEdit closes the editor unsaved, and gives focus back to the
// note's Edit button. A save in flight cannot be cancelled.
func (p *notesPage) cancelEdit() {
	if p.editing == "" || p.saving {
		return
	}
	id := p.editing
	p.editing, p.editErrs, p.editNotice = "", nil, notice{}
	p.focus("edit-note-" + id)
}

func (p *notesPage) onSaveEdit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.saveEdit(ctx)
}

// saveEdit checks the editor with the server's rules and sends it.
func (p *notesPage) saveEdit(ctx app.Context) {
	if p.saving || p.editing == "" {
		return
	}
	id, title, body := p.editing, p.editTitle, p.editBody
	req := shared.UpdateNoteRequest{Title: &title, Body: &body}
	if err := req.Validate(); err != nil {
		p.editErrs, p.editNotice = fieldErrors(err), notice{}
		p.focusFirstEditError()
		return
	}
	p.saving, p.editErrs, p.editNotice = true, nil, notice{}
	p.background(ctx, func() func(app.Context) {
		note, err := p.api.UpdateNote(ctx, id, req)
		return func(ctx app.Context) { p.updated(id, note, err) }
	})
}

// updated applies the answer to an edit.
func (p *notesPage) updated(id string, note shared.Note, err error) {
	p.saving = false
	switch {
	case isSignedOut(err):
		p.signedOut()
	case hasCode(err, shared.CodeNotFound):
		p.remove(id)
		p.listNotice = notice{kind: "error", text: "That note no longer exists. It may have been deleted on another device."}
		p.focus("notes-heading")
	case err != nil:
		p.editErrs, p.editNotice = formErrors(err, noteFields)
		p.focusFirstEditError()
	default:
		if i := slices.IndexFunc(p.notes, func(n shared.Note) bool { return n.ID == id }); i >= 0 {
			p.notes[i] = note
		}
		p.editing = ""
		p.listNotice = successNotice("Your changes to “" + note.Title + "” have been saved.")
		p.focus("edit-note-" + id)
	}
}

// focusFirstEditError is focusFirstError for the editor's prefixed ids.
func (p *notesPage) focusFirstEditError() {
	for _, name := range noteFields {
		if p.editErrs[name] != "" {
			p.focus("edit-" + name)
			return
		}
	}
}

// ---- Deleting ------------------------------------------------------------

// askDelete shows the confirmation under a note, focused on Cancel so a
// stray Enter deletes nothing.
func (p *notesPage) askDelete(id string) {
	if p.deleting != "" {
		return
	}
	p.confirming, p.deleteNotice, p.listNotice, p.addNotice = id, notice{}, notice{}, notice{}
	p.focus("cancel-delete")
}

func (p *notesPage) renderConfirmDelete(n shared.Note) app.UI {
	cancel := app.Button().Type("button").ID("cancel-delete").Class("button").Text("Cancel").OnClick(p.onCancelDelete)
	if p.deleting != "" {
		cancel = cancel.Disabled(true)
	}
	return app.Div().ID("confirm-delete-panel").Class("confirm").Role("alertdialog").
		Aria("labelledby", "confirm-delete-text").OnKeyDown(p.onConfirmKey).Body(
		p.deleteNotice.render("delete-notice"),
		app.P().ID("confirm-delete-text").Text("Delete “"+n.Title+"”? This cannot be undone."),
		app.Div().Class("actions").Body(
			actionButton("button", "button danger", "Delete", "Deleting…", p.deleting == n.ID, p.onConfirmDelete).
				ID("confirm-delete"),
			cancel,
		),
	)
}

func (p *notesPage) onCancelDelete(ctx app.Context, e app.Event) { p.cancelDelete() }

func (p *notesPage) onConfirmKey(ctx app.Context, e app.Event) {
	if e.Get("key").String() == "Escape" {
		p.cancelDelete()
	}
}

func (p *notesPage) cancelDelete() {
	if p.confirming == "" || p.deleting != "" {
		return
	}
	id := p.confirming
	p.confirming, p.deleteNotice = "", notice{}
	p.focus("delete-note-" + id)
}

// onConfirmDelete deletes the note awaiting confirmation. The
// confirmation stays up, its button busy, until the server answers; on a
// failure it says why and its Delete button tries again.
func (p *notesPage) onConfirmDelete(ctx app.Context, e app.Event) {
	id := p.confirming
	if id == "" || p.deleting != "" {
		return
	}
	p.deleting, p.deleteNotice = id, notice{}
	p.background(ctx, func() func(app.Context) {
		err := p.api.DeleteNote(ctx, id)
		return func(ctx app.Context) { p.deleted(id, err) }
	})
}

// deleted applies the answer to a deletion. not_found means the note was
// already gone (deleted on another device), which is what was asked.
func (p *notesPage) deleted(id string, err error) {
	p.deleting = ""
	switch {
	case isSignedOut(err):
		p.signedOut()
	case err != nil && !hasCode(err, shared.CodeNotFound):
		p.deleteNotice = errorNotice(err)
	default:
		done := "The note has been deleted."
		if n, ok := p.note(id); ok {
			done = "“" + n.Title + "” has been deleted."
		}
		p.remove(id)
		p.listNotice = successNotice(done)
		p.focus("notes-heading")
	}
}

// remove drops a note from the list, with its editor or confirmation.
func (p *notesPage) remove(id string) {
	p.notes = slices.DeleteFunc(p.notes, func(n shared.Note) bool { return n.ID == id })
	if p.editing == id {
		p.editing, p.editErrs, p.editNotice = "", nil, notice{}
	}
	if p.confirming == id {
		p.confirming, p.deleteNotice = "", notice{}
	}
}

// textArea is a labelled multi-line input, the twin of field (layout.go)
// with the same ids: its name, and name-error for its error.
type textArea struct {
	name, label, value, err string
	onInput                 app.EventHandler
}

func (f textArea) render() app.UI {
	input := app.Textarea().ID(f.name).Name(f.name).Rows(4).Text(f.value).OnInput(f.onInput)
	if f.err != "" {
		input = input.Aria("invalid", "true").Aria("describedby", f.name+"-error")
	}
	return app.Div().Class("field").Body(
		app.Label().For(f.name).Text(f.label),
		input,
		app.If(f.err != "", func() app.UI {
			return app.P().ID(f.name + "-error").Class("field-error").Text(f.err)
		}),
	)
}
