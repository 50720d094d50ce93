package auth

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// TestAccountLock_TransactionsAboutOneAccountTakeTurns: on PostgreSQL,
// whose transactions run side by side, the transactions that must not
// interleave on one account take turns on its row (store.LockUser): one
// that adds a credential under Sessions.Hold and one that ends the
// account's sessions (a revocation, a password reset); two that change
// the account's factors. Without that, each reads the world as it was
// before the other: the credential lands from a session already ended,
// or after the reset that should have removed it, or one factor's mark
// overwrites the other's. Each case fails unless the second transaction
// waits for the first. SQLite's write transactions take turns in any case.
func TestAccountLock_TransactionsAboutOneAccountTakeTurns(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	if !st.IsPostgres() {
		t.Skip("SQLite's write transactions take turns already (store.InTx)")
	}
	svc, err := New(ctx, st, Config{Argon2: Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	// A way in of the test's own: a row per key, removed by a reset of an
	// account whose address nobody proved, as a module's would be.
	if _, err := st.IDB().NewRaw("CREATE TABLE test_keys (user_id TEXT NOT NULL)").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	svc.WaysIn.RegisterRemover(func(ctx context.Context, tx *store.Store, userID string) error {
		_, err := tx.IDB().NewRaw("DELETE FROM test_keys WHERE user_id = ?", userID).Exec(ctx)
		return err
	})
	addKey := func(ctx context.Context, tx *store.Store, p Principal) error {
		if err := svc.Sessions.Hold(ctx, tx, p); err != nil {
			return err
		}
		_, err := tx.IDB().NewRaw("INSERT INTO test_keys (user_id) VALUES (?)", p.UserID).Exec(ctx)
		return err
	}
	keys := func(t *testing.T, userID string) int {
		t.Helper()
		var n int
		if err := st.IDB().NewRaw("SELECT count(*) FROM test_keys WHERE user_id = ?", userID).Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	signUp := func(t *testing.T, email string) Principal {
		t.Helper()
		u, issued, err := svc.Accounts.Register(ctx, shared.RegisterRequest{Email: email, Password: "correct horse battery", Name: "Ann"}, Client{})
		if err != nil {
			t.Fatal(err)
		}
		return Principal{UserID: u.ID, SessionID: issued.SessionID}
	}
	// waitsForALock returns once a transaction of this database waits for
	// a lock, and fails the test if done (the other transaction's end)
	// comes first: it did not wait.
	waitsForALock := func(t *testing.T, done <-chan error) {
		t.Helper()
		for range 3000 {
			select {
			case err := <-done:
				t.Fatalf("the other transaction ended (%v) without waiting for this one", err)
			default:
			}
			var n int
			err := st.IDB().NewRaw("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(ctx, &n)
			if err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatal("no transaction waited for a lock in 30 s")
	}

	t.Run("the session ends first: the credential is refused", func(t *testing.T) {
		p := signUp(t, "ann@example.com")
		added := make(chan error, 1)
		err := st.InTx(ctx, func(tx *store.Store) error {
			if _, err := tx.RevokeUserSessions(ctx, p.UserID, "", svc.Sessions.clock.now()); err != nil {
				return err
			}
			go func() { added <- st.InTx(ctx, func(tx *store.Store) error { return addKey(ctx, tx, p) }) }()
			waitsForALock(t, added)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := <-added; !SessionEnded(err) {
			t.Fatalf("adding a key from a session ended meanwhile: %v, want the session's end", err)
		}
		if n := keys(t, p.UserID); n != 0 {
			t.Fatalf("%d keys from an ended session", n)
		}
	})

	t.Run("the credential first: the reset removes it", func(t *testing.T) {
		p := signUp(t, "bob@example.com")
		secret, err := svc.Recovery.storeOneTimeSecret(ctx, p.UserID, store.PurposePasswordReset, PasswordResetTTL)
		if err != nil {
			t.Fatal(err)
		}
		reset := make(chan error, 1)
		err = st.InTx(ctx, func(tx *store.Store) error {
			if err := addKey(ctx, tx, p); err != nil {
				return err
			}
			go func() {
				reset <- svc.Recovery.ConfirmPasswordReset(ctx, shared.PasswordResetConfirmRequest{Token: secret, NewPassword: "another horse battery"})
			}()
			waitsForALock(t, reset)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := <-reset; err != nil {
			t.Fatal(err)
		}
		if n := keys(t, p.UserID); n != 0 {
			t.Fatalf("%d keys outlived the reset of an account whose address nobody had proved", n)
		}
	})

	t.Run("two factors marked at once: both stay", func(t *testing.T) {
		p := signUp(t, "cy@example.com")
		second := make(chan error, 1)
		err := st.InTx(ctx, func(tx *store.Store) error {
			if err := svc.Factors.Mark(ctx, tx, p.UserID, MethodPasskey, true); err != nil {
				return err
			}
			go func() {
				second <- st.InTx(ctx, func(tx *store.Store) error { return svc.Factors.Mark(ctx, tx, p.UserID, "totp", true) })
			}()
			waitsForALock(t, second)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := <-second; err != nil {
			t.Fatal(err)
		}
		u, err := st.UserByID(ctx, p.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if got := FactorsOf(u); !slices.Equal(got, []string{MethodPasskey, "totp"}) {
			t.Fatalf("factors after two marks at once: %q, want both", got)
		}
	})

	// The account's row comes first everywhere: a transaction that took
	// another row of the account first (a session, a link) and then
	// waited for the account's would deadlock with one holding the
	// account's and waiting for that row.
	t.Run("a deletion waits for a sign-out, not a deadlock", func(t *testing.T) {
		p := signUp(t, "dee@example.com")
		u, err := st.UserByID(ctx, p.UserID)
		if err != nil {
			t.Fatal(err)
		}
		deleted := make(chan error, 1)
		err = st.InTx(ctx, func(tx *store.Store) error {
			if err := tx.LockUser(ctx, p.UserID); err != nil { // as a sign-out first does
				return err
			}
			go func() { deleted <- deleteAccount(ctx, st, u, "", svc.Sessions.clock.now(), nil) }()
			waitsForALock(t, deleted)
			return tx.RevokeSession(ctx, p.UserID, p.SessionID, svc.Sessions.clock.now())
		})
		if err != nil {
			t.Fatalf("the sign-out: %v", err)
		}
		if err := <-deleted; err != nil {
			t.Fatalf("the deletion: %v", err)
		}
	})

	t.Run("a confirmation waits for a change of address, not a deadlock", func(t *testing.T) {
		p := signUp(t, "eve@example.com")
		secret, err := svc.Recovery.storeOneTimeSecret(ctx, p.UserID, store.PurposeVerifyEmail, VerifyEmailTTL)
		if err != nil {
			t.Fatal(err)
		}
		verified := make(chan error, 1)
		err = st.InTx(ctx, func(tx *store.Store) error {
			if err := tx.LockUser(ctx, p.UserID); err != nil { // as ConfirmEmailChange first does
				return err
			}
			go func() {
				_, err := svc.Recovery.VerifyEmail(ctx, shared.VerifyEmailRequest{Token: secret}, nil)
				verified <- err
			}()
			waitsForALock(t, verified)
			return tx.InvalidateOneTimeTokens(ctx, p.UserID, store.PurposeVerifyEmail, svc.Sessions.clock.now())
		})
		if err != nil {
			t.Fatalf("the change of address: %v", err)
		}
		if err := <-verified; !errors.Is(err, errInvalidMailToken) {
			t.Fatalf("confirming with a link voided meanwhile: %v, want invalid_token", err)
		}
	})
}
