// Package notes is the worked example of a module: each user's private
// notes. It brings its own table (migrations), its own queries on the
// kit's store, and its own routes, declared with their guard and types so
// the kit serves and documents them like its own. main.go mounts it with
// one line; copy its shape for a fork's resources, or delete the package
// and that line (docs/deleting-the-notes-example.md).
package notes

import (
	"fmt"
	"net/http"

	"github.com/uptrace/bun/migrate"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/shared"
	sharednotes "github.com/authkit/authkit/shared/notes"
)

// migrations holds the module's schema history, one file per change named
// by date (bun/migrate reads the name from the file's).
var migrations = migrate.NewMigrations()

// Module is the notes module, for main.go's list of modules.
type Module struct{}

// Name implements httpapi.Module.
func (Module) Name() string { return "notes" }

// Description describes the module's tag in the OpenAPI document.
func (Module) Description() string {
	return "The private notes example: a protected resource to copy (or delete)."
}

// Migrations implements httpapi.Module.
func (Module) Migrations() *migrate.Migrations { return migrations }

// Mount implements httpapi.Module: the notes routes, each scoped to the
// caller, so another user's note id answers 404.
func (Module) Mount(k *httpapi.Kit) ([]httpapi.Route, error) {
	h := handlers{notes: NewService(k.Store, k.Now)}
	idParam := []httpapi.Param{{Name: "id", In: "path", Description: "The note's id."}}
	return []httpapi.Route{
		{Pattern: "GET /api/notes", Guard: httpapi.RequireVerified, Name: "listNotes",
			Summary: "The caller's notes", Description: "Newest first. Part of the private notes example.",
			Response: sharednotes.NotesResponse{}, Returns: "The caller's notes.", Handler: h.list},
		{Pattern: "POST /api/notes", Guard: httpapi.RequireVerified, Name: "createNote",
			Summary:     "Add a note",
			Description: fmt.Sprintf("An account keeps at most %d notes; past that the answer is `limit_reached`.", MaxNotesPerUser),
			Request:     sharednotes.CreateNoteRequest{}, Response: sharednotes.NoteResponse{}, Status: http.StatusCreated,
			Returns: "The new note.", Errors: []shared.Code{shared.CodeLimitReached}, Handler: h.create},
		{Pattern: "PATCH /api/notes/{id}", Guard: httpapi.RequireVerified, Name: "updateNote",
			Summary: "Change a note", Description: "Another user's note answers 404.", Params: idParam,
			Request: sharednotes.UpdateNoteRequest{}, Response: sharednotes.NoteResponse{}, Returns: "The changed note.",
			Errors: []shared.Code{shared.CodeNotFound}, Handler: h.update},
		{Pattern: "DELETE /api/notes/{id}", Guard: httpapi.RequireVerified, Name: "deleteNote",
			Summary: "Delete a note", Description: "Another user's note answers 404.", Params: idParam,
			Returns: "The note is deleted.", Errors: []shared.Code{shared.CodeNotFound}, Handler: h.delete},
	}, nil
}
