package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// fakeNotes is an in-memory /api/notes with the server's answers, which
// records every request it gets.
type fakeNotes struct {
	mu       sync.Mutex
	notes    []shared.Note
	requests []string // "METHOD path CSRF-header body"
}

func newFakeNotes(t *testing.T) (*fakeNotes, *Client) {
	t.Helper()
	f := &fakeNotes{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/notes", func(w http.ResponseWriter, r *http.Request) {
		f.record(r, nil)
		f.mu.Lock()
		defer f.mu.Unlock()
		writeJSON(w, http.StatusOK, shared.NotesResponse{Notes: f.notes})
	})
	mux.HandleFunc("POST /api/notes", func(w http.ResponseWriter, r *http.Request) {
		var req shared.CreateNoteRequest
		f.record(r, &req)
		if err := req.Validate(); err != nil {
			writeError(w, shared.CodeValidationFailed, "Some fields need attention.", fieldErrors(err))
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		now := time.Date(2026, 11, 23, 10, 0, len(f.notes), 0, time.UTC)
		n := shared.Note{ID: fmt.Sprintf("n%d", len(f.notes)+1), Title: req.Title, Body: req.Body, CreatedAt: now, UpdatedAt: now}
		f.notes = append([]shared.Note{n}, f.notes...)
		writeJSON(w, http.StatusCreated, shared.NoteResponse{Note: n})
	})
	mux.HandleFunc("PATCH /api/notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		var req shared.UpdateNoteRequest
		f.record(r, &req)
		f.mu.Lock()
		defer f.mu.Unlock()
		for i := range f.notes {
			if f.notes[i].ID == r.PathValue("id") {
				if req.Title != nil {
					f.notes[i].Title = *req.Title
				}
				if req.Body != nil {
					f.notes[i].Body = *req.Body
				}
				f.notes[i].UpdatedAt = f.notes[i].UpdatedAt.Add(time.Minute)
				writeJSON(w, http.StatusOK, shared.NoteResponse{Note: f.notes[i]})
				return
			}
		}
		writeError(w, shared.CodeNotFound, "Not found.", nil)
	})
	mux.HandleFunc("DELETE /api/notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.record(r, nil)
		f.mu.Lock()
		defer f.mu.Unlock()
		for i := range f.notes {
			if f.notes[i].ID == r.PathValue("id") {
				f.notes = append(f.notes[:i], f.notes[i+1:]...)
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		writeError(w, shared.CodeNotFound, "Not found.", nil)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, NewClient(srv.URL, &http.Client{Timeout: 5 * time.Second}, func() string { return "csrf-1" })
}

func (f *fakeNotes) record(r *http.Request, into any) {
	var body []byte
	if into != nil {
		_ = json.NewDecoder(r.Body).Decode(into)
		body, _ = json.Marshal(into)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, strings.TrimSpace(fmt.Sprintf("%s %s %s %s", r.Method, r.URL.EscapedPath(), r.Header.Get(shared.CSRFHeader), body)))
}

func (f *fakeNotes) requestCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func TestClient_NotesMethodsSpeakTheNotesAPI(t *testing.T) {
	f, c := newFakeNotes(t)
	ctx := context.Background()

	created, err := c.CreateNote(ctx, shared.CreateNoteRequest{Title: "Groceries", Body: "eggs"})
	if err != nil || created.ID != "n1" || created.Title != "Groceries" {
		t.Fatalf("CreateNote = %+v, %v", created, err)
	}
	title := "Shopping"
	updated, err := c.UpdateNote(ctx, created.ID, shared.UpdateNoteRequest{Title: &title})
	if err != nil || updated.Title != "Shopping" || updated.Body != "eggs" {
		t.Fatalf("UpdateNote = %+v, %v", updated, err)
	}
	list, err := c.ListNotes(ctx)
	if err != nil || len(list) != 1 || list[0].Title != "Shopping" {
		t.Fatalf("ListNotes = %+v, %v", list, err)
	}
	if err := c.DeleteNote(ctx, created.ID); err != nil {
		t.Fatalf("DeleteNote: %v", err)
	}
	if err := c.DeleteNote(ctx, created.ID); !hasCode(err, shared.CodeNotFound) {
		t.Errorf("DeleteNote of a deleted note: %v, want not_found", err)
	}
	if _, err := c.UpdateNote(ctx, "a/b", shared.UpdateNoteRequest{Title: &title}); !hasCode(err, shared.CodeNotFound) {
		t.Errorf("UpdateNote of an unknown note: %v, want not_found", err)
	}

	want := []string{
		`POST /api/notes csrf-1 {"title":"Groceries","body":"eggs"}`,
		`PATCH /api/notes/n1 csrf-1 {"title":"Shopping","body":null}`,
		`GET /api/notes`,
		`DELETE /api/notes/n1 csrf-1`,
		`DELETE /api/notes/n1 csrf-1`,
		`PATCH /api/notes/a%2Fb csrf-1 {"title":"Shopping","body":null}`,
	}
	if got := strings.Join(f.requests, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func TestNotesPage_PrerenderHasNoUserData(t *testing.T) {
	if !IsPage("/notes") {
		t.Fatal("/notes is not a page")
	}
	code, body := prerender(t, "/notes")
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
func signedInNotesPage(c *Client, notes ...shared.Note) *notesPage {
	return &notesPage{api: c, user: &shared.User{ID: "u1", Name: "Ann"}, notes: notes}
}

func sampleNote(id, title string) shared.Note {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	return shared.Note{ID: id, Title: title, Body: "Body of " + title, CreatedAt: at, UpdatedAt: at}
}

func TestNotesPage_RendersEachNoteWithItsActions(t *testing.T) {
	_, c := newFakeNotes(t)
	p := signedInNotesPage(c, sampleNote("n2", "Second"), sampleNote("n1", "First"))
	html := app.HTMLString(p.Render())
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
		if !hasTag(html, want.tag, want.attrs) {
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
	p.title, p.body = "   ", strings.Repeat("x", shared.MaxNoteBodyLength+1)
	p.add(app.Context{})

	if n := f.requestCount(); n != 0 {
		t.Errorf("an invalid note sent %d requests", n)
	}
	if p.adding {
		t.Errorf("the form is busy after a validation failure")
	}
	html := app.HTMLString(p.Render())
	checkFieldError(t, html, "input", "title", "Give the note a title.")
	checkFieldError(t, html, "textarea", "body", "Notes can be at most 10,000 characters long.")
}

// checkFieldError checks that the control with id is marked invalid and
// described by its error, which says want.
func checkFieldError(t *testing.T, html, tag, id, want string) {
	t.Helper()
	attrs, ok := tagsByID(html, tag)[id]
	if !ok {
		t.Errorf("no <%s> with id %q", tag, id)
		return
	}
	if _, invalid := attrs["aria-invalid"]; !invalid || attrs["aria-describedby"] != id+"-error" {
		t.Errorf("<%s id=%q> = %v, want aria-invalid and aria-describedby=%s-error", tag, id, attrs, id)
	}
	if got := textByID(html, id+"-error"); got != want {
		t.Errorf("error beside %s = %q, want %q", id, got, want)
	}
}

// hasTag reports whether html has a tag element with all of attrs.
func hasTag(html, tag string, attrs map[string]string) bool {
	for _, m := range tagPattern.FindAllStringSubmatch(html, -1) {
		if m[1] != tag {
			continue
		}
		got := map[string]string{}
		for _, a := range attrPattern.FindAllStringSubmatch(m[2], -1) {
			got[a[1]] = a[2]
		}
		matches := true
		for k, v := range attrs {
			if got[k] != v {
				matches = false
			}
		}
		if matches {
			return true
		}
	}
	return false
}

// textByID is the text of the element with id, when it holds only text.
func textByID(html, id string) string {
	m := regexp.MustCompile(`<\w+[^>]*\sid="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(html)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}

func TestNotesPage_AnswersToAnAddArePlaced(t *testing.T) {
	_, c := newFakeNotes(t)
	unreachable := fmt.Errorf("%w: connection refused", ErrUnreachable)
	cases := []struct {
		name       string
		err        error
		wantErrs   map[string]string
		wantNotice notice
	}{
		{
			name:     "the server's field errors go beside the fields",
			err:      &shared.Error{Code: shared.CodeValidationFailed, Message: "Some fields need attention.", Fields: map[string]string{"title": "Too long."}},
			wantErrs: map[string]string{"title": "Too long."},
		},
		{
			name:       "a network failure is a notice, and the form can be sent again",
			err:        unreachable,
			wantNotice: notice{kind: "error", text: "Could not reach the server. Check your connection and try again."},
		},
		{
			name:       "success clears the form and says so",
			wantNotice: notice{kind: "success", text: "Your note “Groceries” has been added."},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := signedInNotesPage(c, sampleNote("n1", "Old"))
			p.title, p.adding = "Groceries", true
			p.added(sampleNote("n2", "Groceries"), tc.err)
			if p.adding {
				t.Fatalf("the form is still busy")
			}
			if len(p.addErrs) != len(tc.wantErrs) || p.addErrs["title"] != tc.wantErrs["title"] {
				t.Errorf("field errors = %v, want %v", p.addErrs, tc.wantErrs)
			}
			if p.addNotice != tc.wantNotice {
				t.Errorf("notice = %+v, want %+v", p.addNotice, tc.wantNotice)
			}
			wantNotes, wantTitle := 1, "Groceries"
			if tc.err == nil {
				wantNotes, wantTitle = 2, ""
			}
			if len(p.notes) != wantNotes || p.title != wantTitle {
				t.Errorf("notes %d, title %q; want %d, %q", len(p.notes), p.title, wantNotes, wantTitle)
			}
			if html := app.HTMLString(p.Render()); strings.Contains(html, "disabled") {
				t.Errorf("the page has a disabled element after the answer")
			}
		})
	}
}

func TestNotesPage_EditorChecksAndPlacesErrorsBesideItsFields(t *testing.T) {
	f, c := newFakeNotes(t)
	p := signedInNotesPage(c, sampleNote("n1", "First"))
	p.startEdit("n1")
	if p.editTitle != "First" || p.editBody != "Body of First" {
		t.Fatalf("editor opened with %q, %q", p.editTitle, p.editBody)
	}

	// Checked before sending, with the server's rules.
	p.editTitle = ""
	p.saveEdit(app.Context{})
	if n := f.requestCount(); n != 0 || p.saving {
		t.Fatalf("an invalid edit sent %d requests (saving %v)", n, p.saving)
	}
	html := app.HTMLString(p.Render())
	checkFieldError(t, html, "input", "edit-title", "Give the note a title.")
	if !hasTag(html, "form", map[string]string{"id": "edit-note-form"}) || strings.Contains(html, `id="edit-note-n1"`) {
		t.Errorf("the editor is not in place of the note")
	}

	// The server's answer: errors beside the fields, the editor kept.
	p.saving = true
	p.updated("n1", shared.Note{}, &shared.Error{Code: shared.CodeValidationFailed, Message: "Some fields need attention.",
		Fields: map[string]string{"body": "Too long."}})
	if p.saving || p.editing != "n1" || p.editErrs["body"] != "Too long." || p.editNotice.kind != "" {
		t.Errorf("after a validation answer: saving %v, editing %q, errs %v, notice %+v", p.saving, p.editing, p.editErrs, p.editNotice)
	}
	checkFieldError(t, app.HTMLString(p.Render()), "textarea", "edit-body", "Too long.")

	// Saved: the note changes in place and the editor closes.
	p.saving = true
	saved := sampleNote("n1", "First, revised")
	p.updated("n1", saved, nil)
	if p.saving || p.editing != "" || p.notes[0].Title != "First, revised" || p.listNotice.kind != "success" {
		t.Errorf("after saving: saving %v, editing %q, notes %v, notice %+v", p.saving, p.editing, p.notes, p.listNotice)
	}
}

func TestNotesPage_DeleteAsksFirstAndAFailureCanBeRetried(t *testing.T) {
	_, c := newFakeNotes(t)
	p := signedInNotesPage(c, sampleNote("n2", "Second"), sampleNote("n1", "First"))

	p.askDelete("n1")
	html := app.HTMLString(p.Render())
	if textByID(html, "confirm-delete-text") != "Delete “First”? This cannot be undone." {
		t.Fatalf("no confirmation after asking to delete")
	}

	// A failure keeps the confirmation, says why, and the button works again.
	p.deleting = "n1"
	p.deleted("n1", fmt.Errorf("%w: connection refused", ErrUnreachable))
	html = app.HTMLString(p.Render())
	if p.deleting != "" || p.confirming != "n1" || len(p.notes) != 2 {
		t.Errorf("after a failure: deleting %q, confirming %q, %d notes", p.deleting, p.confirming, len(p.notes))
	}
	if !strings.Contains(html, "Could not reach the server.") || strings.Contains(html, "disabled") {
		t.Errorf("after a failure the confirmation lacks the error or is disabled")
	}

	// Deleted (or already gone): the note leaves the list.
	p.deleting = "n1"
	p.deleted("n1", shared.NewError(shared.CodeNotFound, "Not found."))
	if p.confirming != "" || len(p.notes) != 1 || p.notes[0].ID != "n2" || p.listNotice.text != "“First” has been deleted." {
		t.Errorf("after deleting: confirming %q, notes %v, notice %+v", p.confirming, p.notes, p.listNotice)
	}
}

func TestNotesPage_SignedOutForgetsTheNotes(t *testing.T) {
	_, c := newFakeNotes(t)
	p := signedInNotesPage(c, sampleNote("n1", "Secret"))
	p.title = "draft"
	p.added(shared.Note{}, shared.NewError(shared.CodeNotAuthenticated, "Please log in."))
	if p.user != nil || p.notes != nil || p.title != "" {
		t.Errorf("after the session ended the page still holds user %v, notes %v, title %q", p.user, p.notes, p.title)
	}
	if html := app.HTMLString(p.Render()); strings.Contains(html, "Secret") {
		t.Errorf("the page still shows a note")
	}
}
