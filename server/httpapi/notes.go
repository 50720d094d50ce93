package httpapi

import (
	"net/http"

	sharednotes "github.com/authkit/authkit/shared/notes"
)

// The private notes example. Each handler runs behind requireAuth and is
// scoped to the caller, so another user's note id answers 404.

func (a *API) listNotes(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	list, err := a.notes.List(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	resp := sharednotes.NotesResponse{Notes: make([]sharednotes.Note, 0, len(list))}
	for i := range list {
		resp.Notes = append(resp.Notes, list[i].JSON())
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (a *API) createNote(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	req, err := decode[sharednotes.CreateNoteRequest](w, r)
	if err != nil {
		return err
	}
	n, err := a.notes.Create(r.Context(), p.UserID, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sharednotes.NoteResponse{Note: n.JSON()})
	return nil
}

func (a *API) updateNote(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	req, err := decode[sharednotes.UpdateNoteRequest](w, r)
	if err != nil {
		return err
	}
	n, err := a.notes.Update(r.Context(), p.UserID, r.PathValue("id"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sharednotes.NoteResponse{Note: n.JSON()})
	return nil
}

func (a *API) deleteNote(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	if err := a.notes.Delete(r.Context(), p.UserID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
