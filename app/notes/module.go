// Package notes is the browser half of the private notes example: the
// /notes page, its entry in the navigation and its calls to /api/notes.
// It plugs into the app as one Module (pages.go lists it); the contract it
// shares with the server is shared/notes. Deleting the example on the app
// side deletes this package and shared/notes, and the line in pages.go.
package notes

import (
	"context"
	"net/http"
	"net/url"

	"github.com/authkit/authkit/app"
	sharednotes "github.com/authkit/authkit/shared/notes"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Module is the notes example as the app plugs it in: the page at /notes,
// its link in the signed-in navigation, and a line on the profile that
// leads there.
func Module() app.Module {
	return app.Module{
		Path:         "/notes",
		NavLabel:     "Notes",
		Page:         func(api *app.Client) goapp.Composer { return newPage(api) },
		ProfileAside: profileAside,
	}
}

func profileAside() goapp.UI {
	return goapp.P().Class("aside").Body(
		goapp.Text("Keep private notes, visible only to you, on "),
		goapp.A().ID("notes-link").Href("/notes").Text("your notes page"),
		goapp.Text("."),
	)
}

// client is the notes API as the page calls it. It goes through the app's
// Client, which alone knows cookies, CSRF and refreshing the session; each
// call returns what Client.Call does (nil, an *shared.Error, or an error
// wrapping app.ErrUnreachable).
type client struct{ api *app.Client }

// list returns the signed-in user's notes, newest first.
func (c client) list(ctx context.Context) ([]sharednotes.Note, error) {
	var resp sharednotes.NotesResponse
	err := c.api.Call(ctx, http.MethodGet, "/api/notes", nil, &resp)
	return resp.Notes, err
}

// create adds a note (201). Invalid fields answer validation_failed.
func (c client) create(ctx context.Context, req sharednotes.CreateNoteRequest) (sharednotes.Note, error) {
	var resp sharednotes.NoteResponse
	err := c.api.Call(ctx, http.MethodPost, "/api/notes", req, &resp)
	return resp.Note, err
}

// update changes the fields of a note that req sets. A note that is not
// the user's, or no longer exists, answers not_found.
func (c client) update(ctx context.Context, id string, req sharednotes.UpdateNoteRequest) (sharednotes.Note, error) {
	var resp sharednotes.NoteResponse
	err := c.api.Call(ctx, http.MethodPatch, "/api/notes/"+url.PathEscape(id), req, &resp)
	return resp.Note, err
}

// delete deletes a note (204); not_found as for update.
func (c client) delete(ctx context.Context, id string) error {
	return c.api.Call(ctx, http.MethodDelete, "/api/notes/"+url.PathEscape(id), nil, nil)
}
