package notes

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/app/internal/pagetest"
	"github.com/authkit/authkit/shared"
	sharednotes "github.com/authkit/authkit/shared/notes"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The tests register the app's routes with this module plugged in, as
// main does, so the navigation has its link and /notes is a page.
func init() { app.Routes(Module()) }

func TestNotesPage_PrerenderHasNoUserData(t *testing.T) {
	if !app.IsPage("/notes") {
		t.Fatal("/notes is not a page")
	}
	code, body := pagetest.Prerender(t, "/notes")
	if code != http.StatusOK {
		t.Errorf("status %d", code)
	}
	if !strings.Contains(body, "Loading your notes…") {
		t.Errorf("prerendered /notes does not say it is loading")
	}
	for _, leak := range []string{`class="note"`, `id="notes"`, `id="note-form"`, "eyJhbGciOi", "disabled"} {
		if strings.Contains(body, leak) {
			t.Errorf("prerendered /notes contains %q", leak)
		}
	}
}

// signedInNotesPage is the page as it stands once loaded, with notes.
func signedInNotesPage(c *app.Client, notes ...sharednotes.Note) *page {
	p := newPage(c)
	p.User, p.list = &shared.User{ID: "u1", Name: "Ann"}, notes
	return p
}

func sampleNote(id, title string) sharednotes.Note {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	return sharednotes.Note{ID: id, Title: title, Body: "Body of " + title, CreatedAt: at, UpdatedAt: at}
}

func TestNotesPage_RendersEachNoteWithItsActions(t *testing.T) {
	_, c := newFakeNotes(t)
	p := signedInNotesPage(c, sampleNote("n2", "Second"), sampleNote("n1", "First"))
	html := goapp.HTMLString(p.Render())
	for _, want := range []struct {
		tag   string
		attrs map[string]string
	}{
		{"form", map[string]string{"id": "note-form"}},
		{"input", map[string]string{"id": "title", "name": "title", "type": "text"}},
		{"textarea", map[string]string{"id": "body", "name": "body"}},
		{"a", map[string]string{"href": "/notes", "aria-current": "page"}},
		{"li", map[string]string{"class": "note", "data-note": "n2"}},
		{"li", map[string]string{"class": "note", "data-note": "n1"}},
		{"button", map[string]string{"id": "edit-note-n1", "aria-label": "Edit “First”"}},
		{"button", map[string]string{"id": "delete-note-n1", "aria-label": "Delete “First”"}},
	} {
		if !pagetest.HasTag(html, want.tag, want.attrs) {
			t.Errorf("page lacks <%s %v>", want.tag, want.attrs)
		}
	}
	if !strings.Contains(html, "Body of Second") {
		t.Errorf("page lacks a note's body")
	}
	if strings.Index(html, "Second") > strings.Index(html, "First") {
		t.Errorf("notes are not in the server's order (newest first)")
	}
	if strings.Contains(html, "disabled") {
		t.Errorf("something is disabled on an idle page")
	}
}

func TestNotesPage_InvalidNoteShowsFieldErrorsWithoutARequest(t *testing.T) {
	f, c := newFakeNotes(t)
	p := signedInNotesPage(c)
	p.addForm.Set("title", "   ")
	p.addForm.Set("body", strings.Repeat("x", sharednotes.MaxNoteBodyLength+1))
	p.onAdd(goapp.Context{}, goapp.Event{})

	if n := f.requestCount(); n != 0 {
		t.Errorf("an invalid note sent %d requests", n)
	}
	if p.addForm.Busy {
		t.Errorf("the form is busy after a validation failure")
	}
	html := goapp.HTMLString(p.Render())
	checkFieldError(t, html, "input", "title", "Give the note a title.")
	checkFieldError(t, html, "textarea", "body", "Notes can be at most 10,000 characters long.")
}

// checkFieldError checks that the control with id is marked invalid and
// described by its error, which says want.
func checkFieldError(t *testing.T, html, tag, id, want string) {
	t.Helper()
	attrs, ok := pagetest.TagsByID(html, tag)[id]
	if !ok {
		t.Errorf("no <%s> with id %q", tag, id)
		return
	}
	if _, invalid := attrs["aria-invalid"]; !invalid || attrs["aria-describedby"] != id+"-error" {
		t.Errorf("<%s id=%q> = %v, want aria-invalid and aria-describedby=%s-error", tag, id, attrs, id)
	}
	if got := pagetest.TextByID(html, id+"-error"); got != want {
		t.Errorf("error beside %s = %q, want %q", id, got, want)
	}
}

func TestNotesPage_AnswersToAnAddArePlaced(t *testing.T) {
	_, c := newFakeNotes(t)
	unreachable := fmt.Errorf("%w: connection refused", app.ErrUnreachable)
	cases := []struct {
		name       string
		err        error
		wantErrs   map[string]string
		wantNotice app.Notice
	}{
		{
			name:     "the server's field errors go beside the fields",
			err:      &shared.Error{Code: shared.CodeValidationFailed, Message: "Some fields need attention.", Fields: map[string]string{"title": "Too long."}},
			wantErrs: map[string]string{"title": "Too long."},
		},
		{
			name:       "a network failure is a notice, and the form can be sent again",
			err:        unreachable,
			wantNotice: app.Notice{Kind: "error", Text: "Could not reach the server. Check your connection and try again."},
		},
		{
			name:       "success clears the form and says so",
			wantNotice: app.Notice{Kind: "success", Text: "Your note “Groceries” has been added."},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := signedInNotesPage(c, sampleNote("n1", "Old"))
			p.addForm.Set("title", "Groceries")
			p.addForm.Busy = true
			p.addSubmission().Settle(goapp.Context{}, sampleNote("n2", "Groceries"), tc.err)
			if p.addForm.Busy {
				t.Fatalf("the form is still busy")
			}
			if errs := p.addForm.Errs(); len(errs) != len(tc.wantErrs) || errs["title"] != tc.wantErrs["title"] {
				t.Errorf("field errors = %v, want %v", errs, tc.wantErrs)
			}
			if p.addForm.Notice != tc.wantNotice {
				t.Errorf("notice = %+v, want %+v", p.addForm.Notice, tc.wantNotice)
			}
			wantNotes, wantTitle := 1, "Groceries"
			if tc.err == nil {
				wantNotes, wantTitle = 2, ""
			}
			if title := p.addForm.Value("title"); len(p.list) != wantNotes || title != wantTitle {
				t.Errorf("notes %d, title %q; want %d, %q", len(p.list), title, wantNotes, wantTitle)
			}
			if html := goapp.HTMLString(p.Render()); strings.Contains(html, "disabled") {
				t.Errorf("the page has a disabled element after the answer")
			}
		})
	}
}

func TestNotesPage_EditorChecksAndPlacesErrorsBesideItsFields(t *testing.T) {
	f, c := newFakeNotes(t)
	p := signedInNotesPage(c, sampleNote("n1", "First"))
	p.startEdit(goapp.Context{}, "n1")
	if title, body := p.editForm.Value("title"), p.editForm.Value("body"); title != "First" || body != "Body of First" {
		t.Fatalf("editor opened with %q, %q", title, body)
	}

	// Checked before sending, with the server's rules.
	p.editForm.Set("title", "")
	p.onSaveEdit(goapp.Context{}, goapp.Event{})
	if n := f.requestCount(); n != 0 || p.editForm.Busy {
		t.Fatalf("an invalid edit sent %d requests (saving %v)", n, p.editForm.Busy)
	}
	html := goapp.HTMLString(p.Render())
	checkFieldError(t, html, "input", "edit-title", "Give the note a title.")
	if !pagetest.HasTag(html, "form", map[string]string{"id": "edit-note-form"}) || strings.Contains(html, `id="edit-note-n1"`) {
		t.Errorf("the editor is not in place of the note")
	}

	// The server's answer: errors beside the fields, the editor kept.
	p.editForm.Busy = true
	p.editSubmission().Settle(goapp.Context{}, sharednotes.Note{}, &shared.Error{Code: shared.CodeValidationFailed, Message: "Some fields need attention.",
		Fields: map[string]string{"body": "Too long."}})
	if p.editForm.Busy || p.editing != "n1" || p.editForm.Err("body") != "Too long." || p.editForm.Notice.Kind != "" {
		t.Errorf("after a validation answer: saving %v, editing %q, errs %v, notice %+v", p.editForm.Busy, p.editing, p.editForm.Errs(), p.editForm.Notice)
	}
	checkFieldError(t, goapp.HTMLString(p.Render()), "textarea", "edit-body", "Too long.")

	// Saved: the note changes in place and the editor closes.
	p.editForm.Busy = true
	saved := sampleNote("n1", "First, revised")
	p.editSubmission().Settle(goapp.Context{}, saved, nil)
	if p.editForm.Busy || p.editing != "" || p.list[0].Title != "First, revised" || p.listNotice.Kind != "success" {
		t.Errorf("after saving: saving %v, editing %q, notes %v, notice %+v", p.editForm.Busy, p.editing, p.list, p.listNotice)
	}
}

func TestNotesPage_DeleteAsksFirstAndAFailureCanBeRetried(t *testing.T) {
	_, c := newFakeNotes(t)
	p := signedInNotesPage(c, sampleNote("n2", "Second"), sampleNote("n1", "First"))

	p.askDelete("n1")
	html := goapp.HTMLString(p.Render())
	if pagetest.TextByID(html, "confirm-delete-text") != "Delete “First”? This cannot be undone." {
		t.Fatalf("no confirmation after asking to delete")
	}

	// A failure keeps the confirmation, says why, and the button works again.
	p.deletion.Busy = true
	p.deleteSubmission("n1").Settle(goapp.Context{}, struct{}{}, fmt.Errorf("%w: connection refused", app.ErrUnreachable))
	html = goapp.HTMLString(p.Render())
	if p.deletion.Busy || p.confirming != "n1" || len(p.list) != 2 {
		t.Errorf("after a failure: deleting %v, confirming %q, %d notes", p.deletion.Busy, p.confirming, len(p.list))
	}
	if !strings.Contains(html, "Could not reach the server.") || strings.Contains(html, "disabled") {
		t.Errorf("after a failure the confirmation lacks the error or is disabled")
	}

	// Deleted (or already gone): the note leaves the list.
	p.deletion.Busy = true
	p.deleteSubmission("n1").Settle(goapp.Context{}, struct{}{}, shared.NewError(shared.CodeNotFound, "Not found."))
	if p.confirming != "" || len(p.list) != 1 || p.list[0].ID != "n2" || p.listNotice.Text != "“First” has been deleted." {
		t.Errorf("after deleting: confirming %q, notes %v, notice %+v", p.confirming, p.list, p.listNotice)
	}
}

func TestNotesPage_SignedOutForgetsTheNotes(t *testing.T) {
	_, c := newFakeNotes(t)
	p := signedInNotesPage(c, sampleNote("n1", "Secret"))
	p.addForm.Set("title", "draft")
	p.addSubmission().Settle(goapp.Context{}, sharednotes.Note{}, shared.NewError(shared.CodeNotAuthenticated, "Please log in."))
	if title := p.addForm.Value("title"); p.User != nil || p.list != nil || title != "" {
		t.Errorf("after the session ended the page still holds user %v, notes %v, title %q", p.User, p.list, title)
	}
	if html := goapp.HTMLString(p.Render()); strings.Contains(html, "Secret") {
		t.Errorf("the page still shows a note")
	}
}
