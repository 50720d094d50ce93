package notes_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/notes"
	"github.com/authkit/authkit/shared"
	sharednotes "github.com/authkit/authkit/shared/notes"
)

// The notes routes, tested as a fork tests its own module: the real kit
// (apitest) with only this module mounted, so the kit's own tests never
// depend on the example and deleting it deletes these with it.

func TestNotes_CRUDScopedToTheCaller(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithModules(notes.Module{}))
	ann := ts.Browser()
	ann.Register("ann@example.com", "Ann")
	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob")

	var created sharednotes.NoteResponse
	r := ann.Do("POST", "/api/notes", sharednotes.CreateNoteRequest{Title: "  Groceries ", Body: "milk"})
	r.ExpectStatus(t, http.StatusCreated)
	r.Decode(t, &created)
	if created.Note.Title != "Groceries" || created.Note.ID == "" || created.Note.CreatedAt.IsZero() {
		t.Fatalf("note = %+v", created.Note)
	}
	ann.Do("POST", "/api/notes", sharednotes.CreateNoteRequest{Title: "Second"}).ExpectStatus(t, http.StatusCreated)

	var list sharednotes.NotesResponse
	ann.Do("GET", "/api/notes", nil).Decode(t, &list)
	if len(list.Notes) != 2 || list.Notes[0].Title != "Second" {
		t.Fatalf("list = %+v", list.Notes)
	}
	bob.Do("GET", "/api/notes", nil).Decode(t, &list)
	if len(list.Notes) != 0 {
		t.Fatalf("bob sees %+v", list.Notes)
	}

	path := "/api/notes/" + created.Note.ID
	bob.Do("PATCH", path, map[string]string{"title": "Mine now"}).ExpectError(t, 404, shared.CodeNotFound)
	bob.Do("DELETE", path, nil).ExpectError(t, 404, shared.CodeNotFound)

	var updated sharednotes.NoteResponse
	ann.Do("PATCH", path, map[string]string{"body": "milk, eggs"}).Decode(t, &updated)
	if updated.Note.Title != "Groceries" || updated.Note.Body != "milk, eggs" || !updated.Note.UpdatedAt.After(created.Note.UpdatedAt) {
		t.Fatalf("updated = %+v", updated.Note)
	}
	ann.Do("DELETE", path, nil).ExpectStatus(t, http.StatusNoContent)
	ann.Do("DELETE", path, nil).ExpectError(t, 404, shared.CodeNotFound)
}

func TestNotes_Errors(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithModules(notes.Module{}))
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	var n sharednotes.NoteResponse
	b.Do("POST", "/api/notes", sharednotes.CreateNoteRequest{Title: "x"}).Decode(t, &n)
	cases := []struct {
		name, method, path string
		body               any
		status             int
		code               shared.Code
	}{
		{"empty title", "POST", "/api/notes", sharednotes.CreateNoteRequest{Title: "   "}, 400, shared.CodeValidationFailed},
		{"long title", "POST", "/api/notes", sharednotes.CreateNoteRequest{Title: strings.Repeat("t", 201)}, 400, shared.CodeValidationFailed},
		{"long body", "POST", "/api/notes", sharednotes.CreateNoteRequest{Title: "t", Body: strings.Repeat("b", 10_001)}, 400, shared.CodeValidationFailed},
		{"wrong type", "POST", "/api/notes", `{"title":1}`, 400, shared.CodeInvalidJSON},
		{"empty patch", "PATCH", "/api/notes/" + n.Note.ID, `{}`, 400, shared.CodeValidationFailed},
		{"unknown id", "PATCH", "/api/notes/nope", map[string]string{"title": "x"}, 404, shared.CodeNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b.Do(c.method, c.path, c.body).ExpectError(t, c.status, c.code)
		})
	}
	ts.Browser().Do("GET", "/api/notes", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
	b.Do("POST", "/api/notes", sharednotes.CreateNoteRequest{Title: "x"}, shared.CSRFHeader, "").ExpectError(t, 403, shared.CodeCSRFFailed)
}

// A note reads back as it was created: the database keeps microseconds, so
// the created response must not carry nanoseconds a later read has lost
// (an API client comparing the two would see the note change).
func TestNotes_ReadBackAsCreated(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithModules(notes.Module{}))
	ann := ts.Browser()
	ann.Register("ann@example.com", "Ann")
	for range 3 { // a clock reading that falls on a whole microsecond passes by chance
		var created sharednotes.NoteResponse
		var list sharednotes.NotesResponse
		ann.Do("POST", "/api/notes", sharednotes.CreateNoteRequest{Title: "Groceries"}).Decode(t, &created)
		ann.Do("GET", "/api/notes", nil).Decode(t, &list)
		read := list.Notes[0] // the newest first
		if read.ID != created.Note.ID || !read.CreatedAt.Equal(created.Note.CreatedAt) || !read.UpdatedAt.Equal(created.Note.UpdatedAt) {
			t.Fatalf("created %+v, read back %+v", created.Note, read)
		}
	}
}
