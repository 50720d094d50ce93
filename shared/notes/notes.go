// Package notes is the contract of the private notes example: its request
// and response types, limits and validation rules, shared by the server and
// the browser app like the rest of shared. It is a package of its own so
// that deleting the example deletes it whole (see the README's "Deleting
// the notes example").
package notes

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/authkit/authkit/shared"
)

// Note limits.
const (
	MaxNoteTitleLength = 200
	MaxNoteBodyLength  = 10_000
)

// Note is one of the caller's notes.
type Note struct {
	ID        string    `json:"id"`
	Title     string    `json:"title" minLength:"1" maxLength:"200"`
	Body      string    `json:"body" maxLength:"10000"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// NotesResponse answers GET /api/notes, newest first.
type NotesResponse struct {
	Notes []Note `json:"notes" doc:"Newest first."`
}

// NoteResponse answers POST /api/notes and PATCH /api/notes/{id}.
type NoteResponse struct {
	Note Note `json:"note"`
}

// CreateNoteRequest is the body of POST /api/notes. The body may be left
// out (omitempty marks it optional in the OpenAPI document).
type CreateNoteRequest struct {
	Title string `json:"title" minLength:"1" maxLength:"200" doc:"Counted after trimming."`
	Body  string `json:"body,omitempty" maxLength:"10000" doc:"May be empty."`
}

// UpdateNoteRequest is the body of PATCH /api/notes/{id}; absent fields
// stay as they are.
type UpdateNoteRequest struct {
	Title *string `json:"title" minLength:"1" maxLength:"200" doc:"Counted after trimming."`
	Body  *string `json:"body" maxLength:"10000"`
}

// SchemaDescription describes Note in the OpenAPI document.
func (Note) SchemaDescription() string {
	return "One of the caller's notes (the private notes example)."
}

// SchemaDescription describes UpdateNoteRequest in the OpenAPI document.
func (UpdateNoteRequest) SchemaDescription() string {
	return "Absent (or null) fields stay as they are; send at least one."
}

// ValidateNoteTitle checks an already trimmed title.
func ValidateNoteTitle(title string) string {
	switch n := utf8.RuneCountInString(title); {
	case n == 0:
		return "Give the note a title."
	case n > MaxNoteTitleLength:
		return "Titles can be at most 200 characters long."
	}
	return ""
}

// ValidateNoteBody checks a note's body.
func ValidateNoteBody(body string) string {
	if utf8.RuneCountInString(body) > MaxNoteBodyLength {
		return "Notes can be at most 10,000 characters long."
	}
	return ""
}

// Validate trims the title and checks both fields.
func (r *CreateNoteRequest) Validate() error {
	r.Title = strings.TrimSpace(r.Title)
	var f shared.FieldErrors
	if msg := ValidateNoteTitle(r.Title); msg != "" {
		f.Add("title", msg)
	}
	if msg := ValidateNoteBody(r.Body); msg != "" {
		f.Add("body", msg)
	}
	return f.Err()
}

// Validate trims the title and checks the fields present.
func (r *UpdateNoteRequest) Validate() error {
	var f shared.FieldErrors
	if r.Title == nil && r.Body == nil {
		f.Add("title", "Send a title, a body, or both.")
	}
	if r.Title != nil {
		*r.Title = strings.TrimSpace(*r.Title)
		if msg := ValidateNoteTitle(*r.Title); msg != "" {
			f.Add("title", msg)
		}
	}
	if r.Body != nil {
		if msg := ValidateNoteBody(*r.Body); msg != "" {
			f.Add("body", msg)
		}
	}
	return f.Err()
}
