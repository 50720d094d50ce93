package notes

import (
	"context"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	sharednotes "github.com/authkit/authkit/shared/notes"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Deleting a note, after a confirmation shown under it.

// askDelete shows the confirmation under a note, focused on Cancel so a
// stray Enter deletes nothing.
func (p *page) askDelete(id string) {
	if p.deletion.Busy {
		return
	}
	p.confirming, p.deletion.Notice, p.listNotice, p.addForm.Notice = id, app.Notice{}, app.Notice{}, app.Notice{}
	p.Focus("cancel-delete")
}

func (p *page) renderConfirmDelete(n sharednotes.Note) goapp.UI {
	return app.ConfirmDialog{
		ID:           "confirm-delete",
		Text:         "Delete “" + n.Title + "”? This cannot be undone.",
		Notice:       p.deletion.Notice,
		NoticeID:     "delete-notice",
		ConfirmID:    "confirm-delete",
		ConfirmLabel: "Delete",
		BusyLabel:    "Deleting…",
		CancelID:     "cancel-delete",
		Busy:         p.deletion.Busy,
		OnConfirm:    p.onConfirmDelete,
		OnCancel:     p.onCancelDelete,
	}.Render()
}

func (p *page) onCancelDelete(goapp.Context, goapp.Event) {
	if p.confirming == "" || p.deletion.Busy {
		return
	}
	id := p.confirming
	p.confirming, p.deletion.Notice = "", app.Notice{}
	p.Focus("delete-note-" + id)
}

// onConfirmDelete deletes the note awaiting confirmation. The
// confirmation stays up, its button busy, until the server answers; on a
// failure it says why and its Delete button tries again.
func (p *page) onConfirmDelete(ctx goapp.Context, e goapp.Event) {
	if p.confirming == "" {
		return
	}
	p.Submit(ctx, e, p.deleteSubmission(p.confirming))
}

// deleteSubmission deletes the note with id. not_found means the note was
// already gone (deleted on another device), which is what was asked.
func (p *page) deleteSubmission(id string) app.Submission[struct{}] {
	return app.Submission[struct{}]{
		Form: &p.deletion,
		Send: func(ctx context.Context) (struct{}, error) { return struct{}{}, p.notes.delete(ctx, id) },
		Done: func(goapp.Context, struct{}) { p.deleted(id) },
		Failed: func(ctx goapp.Context, err error) bool {
			switch {
			case p.sessionEnded(ctx, err):
			case app.HasCode(err, shared.CodeNotFound):
				p.deleted(id)
			default:
				return false
			}
			return true
		},
	}
}

func (p *page) deleted(id string) {
	done := "The note has been deleted."
	if n, ok := p.note(id); ok {
		done = "“" + n.Title + "” has been deleted."
	}
	p.remove(id)
	p.listNotice = app.SuccessNotice(done)
	p.Focus("notes-heading")
}
