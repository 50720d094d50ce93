package notes

import (
	"context"
	"testing"
	"time"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/store"
	sharednotes "github.com/authkit/authkit/shared/notes"
)

// The notes answer the account module's hooks: an export holds a user's
// notes, and deleting the account deletes them, another user's staying.
var _ httpapi.UserDataOwner = Module{}

func TestUserData_ExportsAndDeletesOnlyTheUsersNotes(t *testing.T) {
	svc, ann := newTestService(t)
	ctx := context.Background()
	bob := &store.User{ID: "0192f0c4-7f5e-7a8b-9c0d-000000000b0b", Email: "bob@example.com", Name: "Bob", IsActive: true, DateJoined: time.Now()}
	if err := svc.store.CreateUser(ctx, bob); err != nil {
		t.Fatal(err)
	}
	for _, n := range []struct{ user, title string }{{ann, "First"}, {ann, "Second"}, {bob.ID, "Bob's"}} {
		if _, err := svc.Create(ctx, n.user, sharednotes.CreateNoteRequest{Title: n.title, Body: "body"}); err != nil {
			t.Fatal(err)
		}
	}

	data, err := Module{}.ExportUserData(ctx, svc.store, ann)
	if err != nil {
		t.Fatal(err)
	}
	exported, ok := data.(sharednotes.NotesResponse)
	if !ok || len(exported.Notes) != 2 || exported.Notes[0].Title != "Second" || exported.Notes[1].Body != "body" {
		t.Fatalf("export = %#v", data)
	}

	err = svc.store.InTx(ctx, func(tx *store.Store) error { return Module{}.DeleteUserData(ctx, tx, ann) })
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := svc.List(ctx, ann); len(left) != 0 {
		t.Errorf("ann still has %d notes", len(left))
	}
	if left, _ := svc.List(ctx, bob.ID); len(left) != 1 {
		t.Errorf("bob has %d notes, want his one", len(left))
	}
}
