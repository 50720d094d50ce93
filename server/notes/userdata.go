package notes

import (
	"context"

	"github.com/authkit/authkit/server/store"
	sharednotes "github.com/authkit/authkit/shared/notes"
)

// The notes are personal data, so the module answers the account
// module's hooks (httpapi.UserDataOwner): a deleted account takes its
// notes with it, and an export holds them.

// DeleteUserData deletes the user's notes, inside the transaction that
// deletes the account. The foreign key would cascade too; deleting here
// says so in the module, whatever the schema becomes.
func (Module) DeleteUserData(ctx context.Context, tx *store.Store, userID string) error {
	_, err := tx.IDB().NewDelete().Model((*Note)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return store.MapError(err)
}

// ExportUserData returns the user's notes, newest first, in their wire
// form: what GET /api/notes answers.
func (Module) ExportUserData(ctx context.Context, st *store.Store, userID string) (any, error) {
	list, err := NewService(st, nil).List(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := sharednotes.NotesResponse{Notes: make([]sharednotes.Note, 0, len(list))}
	for i := range list {
		out.Notes = append(out.Notes, list[i].JSON())
	}
	return out, nil
}
