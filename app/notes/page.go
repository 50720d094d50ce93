package notes

import (
	"context"
	"slices"

	"github.com/authkit/authkit/app"
	sharednotes "github.com/authkit/authkit/shared/notes"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// noteFields are a note form's fields, in focus order. The add form's
// inputs have these ids; the editor's carry an "edit-" prefix, so both
// forms can be on the page at once.
var noteFields = []string{"title", "body"}

// signedInPage is app.SignedInPage under a lower-case name: go-app resets
// a page's exported fields when it navigates to the same route with
// another query, and the base must keep its state.
type signedInPage = app.SignedInPage

// page is /notes: the user's notes, newest first, a form to add one, and on
// each note a way to edit it in place (edit.go) and to delete it after a
// confirmation (delete.go). Signed-out visitors are sent to the login form.
type page struct {
	signedInPage
	notes client

	list    []sharednotes.Note
	addForm app.Form

	editing  string // id of the note being edited in place
	editForm app.Form

	confirming string   // id of the note awaiting confirmation of deletion
	deletion   app.Form // why the last deletion failed, and one in flight

	// The outcome of the last edit or deletion. Each action clears the
	// other forms' notices, so only news of the latest one shows.
	listNotice app.Notice
}

func newPage(api *app.Client) *page {
	return &page{
		signedInPage: app.NewSignedInPage(api, "/notes"),
		notes:        client{api},
		addForm:      app.NewForm(noteFields...),
		editForm:     app.NewForm(noteFields...).WithIDPrefix("edit-"),
	}
}

func (p *page) OnNav(ctx goapp.Context) {
	ctx.Page().SetTitle("Notes · authkit")
	if goapp.IsServer {
		return
	}
	p.Load(ctx, func(ctx context.Context) (func(goapp.Context), error) {
		notes, err := p.notes.list(ctx)
		return func(ctx goapp.Context) {
			p.list = notes
			p.restoreDraft(ctx)
		}, err
	})
}

// sessionEnded handles an answer saying the session is over: the page
// forgets the notes, so none stays in memory, and the login form comes
// next, which comes back here. What the forms held is not lost: it is
// kept as the user's draft (draft.go), which that page restores.
func (p *page) sessionEnded(ctx goapp.Context, err error) bool {
	if !p.SessionEnded(ctx, err) {
		return false
	}
	p.list, p.editing, p.confirming = nil, "", ""
	p.addForm.Reset(nil)
	p.editForm.Reset(nil)
	return true
}

func (p *page) Render() goapp.UI {
	if waiting := p.Waiting("Loading your notes…"); waiting != nil {
		return p.Chrome().Render(goapp.H1().Text("Notes"), waiting)
	}
	return p.Chrome().Render(
		goapp.H1().Text("Notes"),
		p.renderAddForm(),
		p.renderNotes(),
	)
}

func (p *page) renderAddForm() goapp.UI {
	return goapp.Section().Class("card").Aria("labelledby", "add-note-heading").Body(
		goapp.H2().ID("add-note-heading").Text("Add a note"),
		p.addForm.Notice.Render("note-notice"),
		goapp.Form().ID("note-form").NoValidate(true).OnSubmit(p.onAdd).OnInput(p.onDraftInput).Body(
			p.addForm.Input(app.Field{Name: "title", Label: "Title", Kind: "text", Autocomplete: "off"}),
			p.addForm.TextArea(app.TextArea{Name: "body", Label: "Note (optional)"}),
			app.SubmitButton("Add note", "Saving…", p.addForm.Busy),
		),
	)
}

func (p *page) onAdd(ctx goapp.Context, e goapp.Event) { p.Submit(ctx, e, p.addSubmission()) }

// addSubmission sends the add form; the new note goes on top.
func (p *page) addSubmission() app.Submission[sharednotes.Note] {
	req := sharednotes.CreateNoteRequest{Title: p.addForm.Value("title"), Body: p.addForm.Value("body")}
	return app.Submission[sharednotes.Note]{
		Form: &p.addForm,
		Validate: func() error {
			err := req.Validate()
			if err == nil {
				p.listNotice = app.Notice{} // news of an edit or deletion goes once a note is sent
			}
			return err
		},
		Send: func(ctx context.Context) (sharednotes.Note, error) { return p.notes.create(ctx, req) },
		Done: func(ctx goapp.Context, note sharednotes.Note) {
			p.list = slices.Insert(p.list, 0, note)
			p.ClearFields(&p.addForm, noteFields...)
			p.keepDraft(ctx)
			p.addForm.Notice = app.SuccessNotice("Your note “" + note.Title + "” has been added.")
		},
		Failed: p.sessionEnded,
	}
}

func (p *page) renderNotes() goapp.UI {
	list := goapp.UI(goapp.P().ID("no-notes").Class("muted").Text("No notes yet. Only you can read the notes you add here."))
	if len(p.list) > 0 {
		list = goapp.Ul().ID("notes").Class("notes").Body(
			goapp.Range(p.list).Slice(func(i int) goapp.UI { return p.renderNote(p.list[i]) }),
		)
	}
	return goapp.Section().Class("card").Aria("labelledby", "notes-heading").Body(
		// Focus lands on the heading when the note that had it is gone.
		goapp.H2().ID("notes-heading").TabIndex(-1).Text("Your notes"),
		p.listNotice.Render("notes-notice"),
		list,
	)
}

func (p *page) renderNote(n sharednotes.Note) goapp.UI {
	if n.ID == p.editing {
		return p.renderEditor(n)
	}
	// The scopes tie each handler to its note, so go-app does not keep a
	// stale closure when the list changes (EventScope); the handlers look
	// the note up by id, as a kept closure may hold an older copy.
	return goapp.Li().Class("note").DataSet("note", n.ID).Body(
		goapp.Div().Class("note-head").Body(
			goapp.H3().Class("note-title").Text(n.Title),
			goapp.Div().Class("row-actions").Body(
				goapp.Button().Type("button").ID("edit-note-"+n.ID).Class("button small").
					Aria("label", "Edit “"+n.Title+"”").Text("Edit").
					OnClick(func(ctx goapp.Context, _ goapp.Event) { p.startEdit(ctx, n.ID) }, goapp.EventScope(n.ID, "edit")),
				goapp.Button().Type("button").ID("delete-note-"+n.ID).Class("button small danger").
					Aria("label", "Delete “"+n.Title+"”").Text("Delete").
					OnClick(func(goapp.Context, goapp.Event) { p.askDelete(n.ID) }, goapp.EventScope(n.ID, "delete")),
			),
		),
		goapp.If(n.Body != "", func() goapp.UI { return goapp.P().Class("note-body").Text(n.Body) }),
		goapp.P().Class("note-meta").Body(
			goapp.Span().Body(goapp.Text("Added "), app.TimeTag(n.CreatedAt, app.FormatDateTime)),
			goapp.If(n.UpdatedAt.After(n.CreatedAt), func() goapp.UI {
				return goapp.Span().Body(goapp.Text("Edited "), app.TimeTag(n.UpdatedAt, app.FormatDateTime))
			}),
		),
		goapp.If(p.confirming == n.ID, func() goapp.UI { return p.renderConfirmDelete(n) }),
	)
}

// note returns the note with id from the list.
func (p *page) note(id string) (sharednotes.Note, bool) {
	if i := p.index(id); i >= 0 {
		return p.list[i], true
	}
	return sharednotes.Note{}, false
}

// index is the place of the note with id in the list; -1 when it is not
// there.
func (p *page) index(id string) int {
	return slices.IndexFunc(p.list, func(n sharednotes.Note) bool { return n.ID == id })
}

// remove drops a note from the list, with its editor or confirmation.
func (p *page) remove(id string) {
	p.list = slices.DeleteFunc(p.list, func(n sharednotes.Note) bool { return n.ID == id })
	if p.editing == id {
		p.editing = ""
		p.editForm.Reset(nil)
	}
	if p.confirming == id {
		p.confirming, p.deletion.Notice = "", app.Notice{}
	}
}
