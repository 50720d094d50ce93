package cli

import (
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// TestSweep_OneInstanceAtATime: instances sharing a PostgreSQL database
// each run the sweep on their own ticker; one that finds another sweeping
// (holding store.SweepLockKey) skips the database this round instead of
// deleting the same rows at once, waiting on the other's row locks.
func TestSweep_OneInstanceAtATime(t *testing.T) {
	ctx := t.Context()
	db := storetest.NewPostgresDB(t)
	sweeping, waiting := openStore(t, db), openStore(t, db)
	defer sweeping.Close()
	defer waiting.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := auth.New(ctx, waiting, auth.Config{Argon2: auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	// A revoked session: a row the sweep deletes.
	_, issued, err := svc.Accounts.Register(ctx, shared.RegisterRequest{
		Email: "ann@example.com", Name: "Ann", Password: "correct horse battery staple",
	}, auth.Client{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Sessions.Authenticate(ctx, issued.Access)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Sessions.Logout(ctx, p); err != nil {
		t.Fatal(err)
	}
	kept := func() bool {
		t.Helper()
		_, err := waiting.SessionByID(ctx, issued.SessionID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}

	ran, err := sweeping.Alone(ctx, store.SweepLockKey, func() error {
		sweepOnce(ctx, svc, waiting, sweptModules, log)
		if !kept() {
			t.Error("an instance swept the database while another was sweeping it")
		}
		return nil
	})
	if !ran || err != nil {
		t.Fatalf("the first instance did not sweep: %v %v", ran, err)
	}
	sweepOnce(ctx, svc, waiting, sweptModules, log)
	if kept() {
		t.Error("the revoked session is still there after a sweep with no other under way")
	}
}
