package notes_test

import (
	"net/http"
	"testing"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/notes"
	"github.com/authkit/authkit/shared"
	sharednotes "github.com/authkit/authkit/shared/notes"
)

// A NUL character can be neither stored nor looked up (bun will not put
// one in SQLite's SQL, and PostgreSQL refuses it), so a note's title or
// body that holds one is refused as 400 validation_failed: it was a 500
// from the database. The kit's decoding refuses it in any body, for every
// module, before the notes' own rules run.
func TestNotes_ANulCharacterIsRefusedNotAnInternalError(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithModules(notes.Module{}))
	ann := ts.Browser()
	ann.Register("ann@example.com", "Ann")
	var n sharednotes.NoteResponse
	r := ann.Do("POST", "/api/notes", sharednotes.CreateNoteRequest{Title: "Groceries"})
	r.ExpectStatus(t, http.StatusCreated)
	r.Decode(t, &n)
	for _, c := range []struct {
		name, method, path string
		body               any
	}{
		{"create, title", "POST", "/api/notes", sharednotes.CreateNoteRequest{Title: "milk\x00"}},
		{"create, body", "POST", "/api/notes", sharednotes.CreateNoteRequest{Title: "milk", Body: "eggs\x00"}},
		{"update, title", "PATCH", "/api/notes/" + n.Note.ID, map[string]string{"title": "\x00"}},
		{"update, body", "PATCH", "/api/notes/" + n.Note.ID, map[string]string{"body": "a\x00b"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ann.Do(c.method, c.path, c.body).ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)
		})
	}
	// Nothing was stored or changed.
	var list sharednotes.NotesResponse
	ann.Do("GET", "/api/notes", nil).Decode(t, &list)
	if len(list.Notes) != 1 || list.Notes[0].Title != "Groceries" || list.Notes[0].Body != "" {
		t.Fatalf("notes after the refusals: %+v", list.Notes)
	}
}
