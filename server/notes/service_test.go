package notes

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
	sharednotes "github.com/authkit/authkit/shared/notes"
)

// newTestService is the notes service on a fresh, migrated database (SQLite,
// or PostgreSQL under AUTHKIT_TEST_DB=postgres) with one user.
func newTestService(t *testing.T) (*Service, string) {
	t.Helper()
	st := storetest.Open(t)
	if _, err := st.Migrate(context.Background(), migrations); err != nil {
		t.Fatal(err)
	}
	u := &store.User{ID: "0192f0c4-7f5e-7a8b-9c0d-1e2f3a4b5c6e", Email: "ann@example.com", Name: "Ann", IsActive: true, DateJoined: time.Now()}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return NewService(st, nil), u.ID
}

func TestCreate_StopsAtTheQuotaEvenWhenRacing(t *testing.T) {
	svc, userID := newTestService(t)
	ctx := context.Background()
	for i := range MaxNotesPerUser - 5 {
		if _, err := svc.Create(ctx, userID, sharednotes.CreateNoteRequest{Title: fmt.Sprint("note ", i)}); err != nil {
			t.Fatalf("note %d: %v", i, err)
		}
	}
	// Twenty at once for the last five places: exactly five get in.
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := svc.Create(ctx, userID, sharednotes.CreateNoteRequest{Title: "racing"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	created := 0
	for err := range errs {
		var apiErr *shared.Error
		switch {
		case err == nil:
			created++
		case errors.As(err, &apiErr) && apiErr.Code == shared.CodeLimitReached:
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	list, err := svc.List(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	if created != 5 || len(list) != MaxNotesPerUser {
		t.Fatalf("%d of the racing creates succeeded and the user has %d notes; want 5 and %d", created, len(list), MaxNotesPerUser)
	}
}
