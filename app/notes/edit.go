package notes

import (
	"context"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	sharednotes "github.com/authkit/authkit/shared/notes"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Editing a note in place: the editor replaces the note in the list, one
// note at a time.

func (p *page) renderEditor(n sharednotes.Note) goapp.UI {
	cancel := goapp.Button().Type("button").ID("cancel-edit").Class("button").Text("Cancel").OnClick(p.onCancelEdit)
	if p.editForm.Busy {
		cancel = cancel.Disabled(true)
	}
	return goapp.Li().Class("note editing").DataSet("note", n.ID).Body(
		goapp.Form().ID("edit-note-form").Aria("label", "Edit “"+n.Title+"”").NoValidate(true).
			OnSubmit(p.onSaveEdit).OnKeyDown(p.onEditKey).OnInput(p.onDraftInput).Body(
			p.editForm.Notice.Render("edit-notice"),
			p.editForm.Input(app.Field{Name: "title", Label: "Title", Kind: "text", Autocomplete: "off"}),
			p.editForm.TextArea(app.TextArea{Name: "body", Label: "Note (optional)"}),
			goapp.Div().Class("actions").Body(
				app.ActionButton("submit", "button primary", "Save", "Saving…", p.editForm.Busy, nil).ID("save-note"),
				cancel,
			),
		),
	)
}

// startEdit opens the editor on a note, in place of the note. Opening
// another note drops unsaved changes to the first.
func (p *page) startEdit(ctx goapp.Context, id string) {
	n, ok := p.note(id)
	if !ok || p.editForm.Busy {
		return
	}
	p.editing = id
	p.editForm.Reset(map[string]string{"title": n.Title, "body": n.Body})
	p.listNotice, p.addForm.Notice = app.Notice{}, app.Notice{}
	if p.confirming == id {
		p.confirming, p.deletion.Notice = "", app.Notice{}
	}
	p.keepDraft(ctx)
	p.Focus("edit-title")
}

func (p *page) onCancelEdit(ctx goapp.Context, _ goapp.Event) { p.cancelEdit(ctx) }

func (p *page) onEditKey(ctx goapp.Context, e goapp.Event) {
	if e.Get("key").String() == "Escape" {
		p.cancelEdit(ctx)
	}
}

// cancelEdit closes the editor unsaved, and gives focus back to the
// note's Edit button. A save in flight cannot be cancelled.
func (p *page) cancelEdit(ctx goapp.Context) {
	if p.editing == "" || p.editForm.Busy {
		return
	}
	id := p.editing
	p.editing = ""
	p.editForm.Reset(nil)
	p.keepDraft(ctx)
	p.Focus("edit-note-" + id)
}

func (p *page) onSaveEdit(ctx goapp.Context, e goapp.Event) {
	if p.editing == "" {
		e.PreventDefault()
		return
	}
	p.Submit(ctx, e, p.editSubmission())
}

// editSubmission sends the editor: the note changes in place and the
// editor closes. A note gone meanwhile leaves the list.
func (p *page) editSubmission() app.Submission[sharednotes.Note] {
	id, title, body := p.editing, p.editForm.Value("title"), p.editForm.Value("body")
	req := sharednotes.UpdateNoteRequest{Title: &title, Body: &body}
	return app.Submission[sharednotes.Note]{
		Form:     &p.editForm,
		Validate: req.Validate,
		Send:     func(ctx context.Context) (sharednotes.Note, error) { return p.notes.update(ctx, id, req) },
		Done: func(ctx goapp.Context, note sharednotes.Note) {
			if i := p.index(id); i >= 0 {
				p.list[i] = note
			}
			p.editing = ""
			p.keepDraft(ctx)
			p.listNotice = app.SuccessNotice("Your changes to “" + note.Title + "” have been saved.")
			p.Focus("edit-note-" + id)
		},
		Failed: func(ctx goapp.Context, err error) bool {
			switch {
			case p.sessionEnded(ctx, err):
			case app.HasCode(err, shared.CodeNotFound):
				p.remove(id)
				p.listNotice = app.Notice{Kind: "error", Text: "That note no longer exists. It may have been deleted on another device."}
				p.Focus("notes-heading")
			default:
				return false
			}
			return true
		},
	}
}
