package notes

import (
	"net/http"

	"github.com/authkit/authkit/server/httpapi"
	sharednotes "github.com/authkit/authkit/shared/notes"
)

// handlers are the notes endpoints. Each reads like a story: who is
// asking (the guard let them in), decode, call the service, encode.
type handlers struct{ notes *Service }

func (h handlers) list(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	list, err := h.notes.List(r.Context(), caller.UserID)
	if err != nil {
		return err
	}
	resp := sharednotes.NotesResponse{Notes: make([]sharednotes.Note, 0, len(list))}
	for i := range list {
		resp.Notes = append(resp.Notes, list[i].JSON())
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
	return nil
}

func (h handlers) create(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	req, err := httpapi.Decode[sharednotes.CreateNoteRequest](w, r)
	if err != nil {
		return err
	}
	n, err := h.notes.Create(r.Context(), caller.UserID, req)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, sharednotes.NoteResponse{Note: n.JSON()})
	return nil
}

func (h handlers) update(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	req, err := httpapi.Decode[sharednotes.UpdateNoteRequest](w, r)
	if err != nil {
		return err
	}
	n, err := h.notes.Update(r.Context(), caller.UserID, r.PathValue("id"), req)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, sharednotes.NoteResponse{Note: n.JSON()})
	return nil
}

func (h handlers) delete(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	if err := h.notes.Delete(r.Context(), caller.UserID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
