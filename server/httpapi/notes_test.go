package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authkit/authkit/shared"
	sharednotes "github.com/authkit/authkit/shared/notes"
)

func TestNotes_CRUDScopedToTheCaller(t *testing.T) {
	ts := newTestServer(t)
	ann := ts.browser()
	ann.register("ann@example.com", "Ann")
	bob := ts.browser()
	bob.register("bob@example.com", "Bob")

	var created sharednotes.NoteResponse
	r := ann.do("POST", "/api/notes", sharednotes.CreateNoteRequest{Title: "  Groceries ", Body: "milk"})
	r.expectStatus(t, http.StatusCreated)
	r.decode(t, &created)
	if created.Note.Title != "Groceries" || created.Note.ID == "" || created.Note.CreatedAt.IsZero() {
		t.Fatalf("note = %+v", created.Note)
	}
	ann.do("POST", "/api/notes", sharednotes.CreateNoteRequest{Title: "Second"}).expectStatus(t, http.StatusCreated)

	var list sharednotes.NotesResponse
	ann.do("GET", "/api/notes", nil).decode(t, &list)
	if len(list.Notes) != 2 || list.Notes[0].Title != "Second" {
		t.Fatalf("list = %+v", list.Notes)
	}
	bob.do("GET", "/api/notes", nil).decode(t, &list)
	if len(list.Notes) != 0 {
		t.Fatalf("bob sees %+v", list.Notes)
	}

	path := "/api/notes/" + created.Note.ID
	bob.do("PATCH", path, map[string]string{"title": "Mine now"}).expectError(t, 404, shared.CodeNotFound)
	bob.do("DELETE", path, nil).expectError(t, 404, shared.CodeNotFound)

	var updated sharednotes.NoteResponse
	ann.do("PATCH", path, map[string]string{"body": "milk, eggs"}).decode(t, &updated)
	if updated.Note.Title != "Groceries" || updated.Note.Body != "milk, eggs" || !updated.Note.UpdatedAt.After(created.Note.UpdatedAt) {
		t.Fatalf("updated = %+v", updated.Note)
	}
	ann.do("DELETE", path, nil).expectStatus(t, http.StatusNoContent)
	ann.do("DELETE", path, nil).expectError(t, 404, shared.CodeNotFound)
}

func TestNotes_Errors(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser()
	b.register("ann@example.com", "Ann")
	var n sharednotes.NoteResponse
	b.do("POST", "/api/notes", sharednotes.CreateNoteRequest{Title: "x"}).decode(t, &n)
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
			b.do(c.method, c.path, c.body).expectError(t, c.status, c.code)
		})
	}
	ts.browser().do("GET", "/api/notes", nil).expectError(t, 401, shared.CodeNotAuthenticated)
	b.do("POST", "/api/notes", sharednotes.CreateNoteRequest{Title: "x"}, shared.CSRFHeader, "").expectError(t, 403, shared.CodeCSRFFailed)
}
