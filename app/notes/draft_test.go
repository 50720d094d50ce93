package notes

import (
	"testing"

	"github.com/authkit/authkit/shared"
	sharednotes "github.com/authkit/authkit/shared/notes"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// storageContext is a context of go-app's test engine, whose
// SessionStorage is an in-memory stand-in for the browser's, as one tab's.
func storageContext(t *testing.T) goapp.Context {
	t.Helper()
	grab, engine := &contextGrabber{}, goapp.NewTestEngine()
	if err := engine.Load(grab); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll() // natively, go-app calls OnPreRender, through a dispatch
	return grab.ctx
}

type contextGrabber struct {
	goapp.Compo
	ctx goapp.Context
}

func (g *contextGrabber) OnPreRender(ctx goapp.Context) { g.ctx = ctx }
func (g *contextGrabber) Render() goapp.UI              { return goapp.Div() }

func TestNotesPage_DraftOutlivesTheSessionForItsWriterOnly(t *testing.T) {
	_, c := newFakeNotes(t)
	ctx := storageContext(t)
	note := sampleNote("n1", "First")

	// Ann writes a note and edits another when her session ends.
	p := signedInNotesPage(c, note)
	p.addForm.Set("title", "Half-written")
	p.addForm.Set("body", "Dear plumber")
	p.onDraftInput(ctx, goapp.Event{})
	p.startEdit(ctx, "n1")
	p.editForm.Set("title", "First, revised")
	p.onDraftInput(ctx, goapp.Event{})
	p.addForm.Busy = true
	p.addSubmission().Settle(ctx, sharednotes.Note{}, shared.NewError(shared.CodeNotAuthenticated, "Please log in."))
	if p.User != nil || p.addForm.Value("title") != "" {
		t.Fatalf("after the session ended the page still holds user %v, title %q", p.User, p.addForm.Value("title"))
	}

	// Someone else signing in on the tab finds empty forms.
	other := newPage(c)
	other.User, other.list = &shared.User{ID: "u2", Name: "Bob"}, []sharednotes.Note{note}
	other.restoreDraft(ctx)
	if got := other.addForm.Value("title") + other.addForm.Value("body") + other.editing; got != "" {
		t.Errorf("another user's page holds %q", got)
	}

	// Ann, signed in again, finds both forms as she left them.
	again := signedInNotesPage(c, note)
	again.restoreDraft(ctx)
	if title, body := again.addForm.Value("title"), again.addForm.Value("body"); title != "Half-written" || body != "Dear plumber" {
		t.Errorf("restored add form holds %q, %q", title, body)
	}
	if again.editing != "n1" || again.editForm.Value("title") != "First, revised" || again.editForm.Value("body") != "Body of First" {
		t.Errorf("restored editor: editing %q, %q, %q", again.editing, again.editForm.Value("title"), again.editForm.Value("body"))
	}

	// Once both are sent, no draft is kept.
	again.addForm.Busy = true
	again.addSubmission().Settle(ctx, sampleNote("n2", "Half-written"), nil)
	if !ctx.SessionStorage().Contains(draftKey("u1")) {
		t.Errorf("the editor's draft went with the note added")
	}
	again.editForm.Busy = true
	again.editSubmission().Settle(ctx, sampleNote("n1", "First, revised"), nil)
	if ctx.SessionStorage().Contains(draftKey("u1")) {
		t.Errorf("a draft is kept after both forms were sent")
	}
}

func TestNotesPage_ClosingTheEditorDropsItsDraft(t *testing.T) {
	_, c := newFakeNotes(t)
	ctx := storageContext(t)
	p := signedInNotesPage(c, sampleNote("n1", "First"))
	p.startEdit(ctx, "n1")
	p.editForm.Set("body", "changed")
	p.onDraftInput(ctx, goapp.Event{})
	if !ctx.SessionStorage().Contains(draftKey("u1")) {
		t.Fatalf("no draft kept while editing")
	}
	p.cancelEdit(ctx)
	if ctx.SessionStorage().Contains(draftKey("u1")) {
		t.Errorf("a draft is kept after the editor was cancelled")
	}
}
