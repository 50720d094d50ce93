package notes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	sharednotes "github.com/authkit/authkit/shared/notes"
)

// fakeNotes is an in-memory /api/notes with the server's answers, which
// records every request it gets.
type fakeNotes struct {
	mu       sync.Mutex
	notes    []sharednotes.Note
	requests []string // "METHOD path CSRF-header body"
}

func newFakeNotes(t *testing.T) (*fakeNotes, *app.Client) {
	t.Helper()
	f := &fakeNotes{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/notes", func(w http.ResponseWriter, r *http.Request) {
		f.record(r, nil)
		f.mu.Lock()
		defer f.mu.Unlock()
		writeJSON(w, http.StatusOK, sharednotes.NotesResponse{Notes: f.notes})
	})
	mux.HandleFunc("POST /api/notes", func(w http.ResponseWriter, r *http.Request) {
		var req sharednotes.CreateNoteRequest
		f.record(r, &req)
		if err := req.Validate(); err != nil {
			var invalid *shared.Error
			errors.As(err, &invalid)
			writeError(w, shared.CodeValidationFailed, "Some fields need attention.", invalid.Fields)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		now := time.Date(2026, 11, 23, 10, 0, len(f.notes), 0, time.UTC)
		n := sharednotes.Note{ID: fmt.Sprintf("n%d", len(f.notes)+1), Title: req.Title, Body: req.Body, CreatedAt: now, UpdatedAt: now}
		f.notes = append([]sharednotes.Note{n}, f.notes...)
		writeJSON(w, http.StatusCreated, sharednotes.NoteResponse{Note: n})
	})
	mux.HandleFunc("PATCH /api/notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		var req sharednotes.UpdateNoteRequest
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
				writeJSON(w, http.StatusOK, sharednotes.NoteResponse{Note: f.notes[i]})
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
	return f, app.NewClient(srv.URL, app.HTTPSender(&http.Client{Timeout: 5 * time.Second}), func() string { return "csrf-1" })
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code shared.Code, msg string, fields map[string]string) {
	writeJSON(w, code.Status(), shared.ErrorBody{Error: &shared.Error{Code: code, Message: msg, Fields: fields}})
}

func TestClient_NotesMethodsSpeakTheNotesAPI(t *testing.T) {
	f, api := newFakeNotes(t)
	c := client{api}
	ctx := context.Background()

	created, err := c.create(ctx, sharednotes.CreateNoteRequest{Title: "Groceries", Body: "eggs"})
	if err != nil || created.ID != "n1" || created.Title != "Groceries" {
		t.Fatalf("create = %+v, %v", created, err)
	}
	title := "Shopping"
	updated, err := c.update(ctx, created.ID, sharednotes.UpdateNoteRequest{Title: &title})
	if err != nil || updated.Title != "Shopping" || updated.Body != "eggs" {
		t.Fatalf("update = %+v, %v", updated, err)
	}
	list, err := c.list(ctx)
	if err != nil || len(list) != 1 || list[0].Title != "Shopping" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if err := c.delete(ctx, created.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := c.delete(ctx, created.ID); !app.HasCode(err, shared.CodeNotFound) {
		t.Errorf("delete of a deleted note: %v, want not_found", err)
	}
	if _, err := c.update(ctx, "a/b", sharednotes.UpdateNoteRequest{Title: &title}); !app.HasCode(err, shared.CodeNotFound) {
		t.Errorf("update of an unknown note: %v, want not_found", err)
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
