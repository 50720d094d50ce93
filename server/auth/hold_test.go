package auth

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// newLockTestKit is a service on PostgreSQL (the tests skip on SQLite,
// whose write transactions take turns in any case, store.InTx) with a
// way in of the test's own: a row of test_keys per key (addKey), removed
// by a reset of an account whose address nobody proved, as a module's
// would be.
func newLockTestKit(t *testing.T) (*store.Store, *Service) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	if !st.IsPostgres() {
		t.Skip("SQLite's write transactions take turns already (store.InTx)")
	}
	svc, err := New(ctx, st, Config{Argon2: Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.IDB().NewRaw("CREATE TABLE test_keys (user_id TEXT NOT NULL)").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	svc.WaysIn.RegisterRemover(func(ctx context.Context, tx *store.Store, userID string) error {
		_, err := tx.IDB().NewRaw("DELETE FROM test_keys WHERE user_id = ?", userID).Exec(ctx)
		return err
	})
	return st, svc
}

// addKey adds a key for p's account within tx, holding p's session as
// a module adding a credential does (Sessions.Hold).
func addKey(ctx context.Context, svc *Service, tx *store.Store, p Principal) error {
	if err := svc.Sessions.Hold(ctx, tx, p); err != nil {
		return err
	}
	_, err := tx.IDB().NewRaw("INSERT INTO test_keys (user_id) VALUES (?)", p.UserID).Exec(ctx)
	return err
}

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
	st, svc := newLockTestKit(t)
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
	// takeTurns runs first in a transaction and second beside it
	// (besideOpen), and fails the test if second ended before anything
	// waited: it did not wait for first.
	takeTurns := func(t *testing.T, first func(tx *store.Store) error, second func() error, then func(tx *store.Store) error) (error, error) {
		t.Helper()
		firstErr, secondErr, waited := besideOpen(t, st, first, second, then)
		if !waited {
			t.Fatalf("the second transaction ended (%v) without waiting for the first", secondErr)
		}
		return firstErr, secondErr
	}

	t.Run("the session ends first: the credential is refused", func(t *testing.T) {
		p := signUp(t, "ann@example.com")
		revoked, added := takeTurns(t,
			func(tx *store.Store) error {
				_, err := tx.RevokeUserSessions(ctx, p.UserID, "", svc.Sessions.clock.now())
				return err
			},
			func() error { return st.InTx(ctx, func(tx *store.Store) error { return addKey(ctx, svc, tx, p) }) },
			nil)
		if revoked != nil {
			t.Fatal(revoked)
		}
		if !SessionEnded(added) {
			t.Fatalf("adding a key from a session ended meanwhile: %v, want the session's end", added)
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
		added, reset := takeTurns(t,
			func(tx *store.Store) error { return addKey(ctx, svc, tx, p) },
			func() error {
				return svc.Recovery.ConfirmPasswordReset(ctx, shared.PasswordResetConfirmRequest{Token: secret, NewPassword: "another horse battery"})
			},
			nil)
		if added != nil || reset != nil {
			t.Fatalf("adding a key: %v; the reset: %v", added, reset)
		}
		if n := keys(t, p.UserID); n != 0 {
			t.Fatalf("%d keys outlived the reset of an account whose address nobody had proved", n)
		}
	})

	t.Run("two factors marked at once: both stay", func(t *testing.T) {
		p := signUp(t, "cy@example.com")
		mark := func(tx *store.Store, method string) error { return svc.Factors.Mark(ctx, tx, p.UserID, method, true) }
		first, second := takeTurns(t,
			func(tx *store.Store) error { return mark(tx, MethodPasskey) },
			func() error { return st.InTx(ctx, func(tx *store.Store) error { return mark(tx, "totp") }) },
			nil)
		if first != nil || second != nil {
			t.Fatalf("marking: %v, %v", first, second)
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
	lockAccount := func(p Principal) func(tx *store.Store) error {
		return func(tx *store.Store) error { return tx.LockUser(ctx, p.UserID) }
	}

	t.Run("a deletion waits for a sign-out, not a deadlock", func(t *testing.T) {
		p := signUp(t, "dee@example.com")
		u, err := st.UserByID(ctx, p.UserID)
		if err != nil {
			t.Fatal(err)
		}
		other, err := svc.Sessions.Start(ctx, u, Client{}) // the device signing out; p deletes
		if err != nil {
			t.Fatal(err)
		}
		signedOut, deleted := takeTurns(t, lockAccount(p), // as a sign-out first does
			func() error { return svc.Accounts.deleteAccount(ctx, p, u, svc.Sessions.clock.now(), nil) },
			func(tx *store.Store) error {
				return tx.RevokeSession(ctx, p.UserID, other.SessionID, svc.Sessions.clock.now())
			})
		if signedOut != nil || deleted != nil {
			t.Fatalf("the sign-out: %v; the deletion: %v", signedOut, deleted)
		}
	})

	t.Run("a confirmation waits for a change of address, not a deadlock", func(t *testing.T) {
		p := signUp(t, "eve@example.com")
		secret, err := svc.Recovery.storeOneTimeSecret(ctx, p.UserID, store.PurposeVerifyEmail, VerifyEmailTTL)
		if err != nil {
			t.Fatal(err)
		}
		changed, verified := takeTurns(t, lockAccount(p), // as ConfirmEmailChange first does
			func() error {
				_, err := svc.Recovery.VerifyEmail(ctx, shared.VerifyEmailRequest{Token: secret}, nil)
				return err
			},
			func(tx *store.Store) error {
				return tx.InvalidateOneTimeTokens(ctx, p.UserID, store.PurposeVerifyEmail, svc.Sessions.clock.now())
			})
		if changed != nil {
			t.Fatalf("the change of address: %v", changed)
		}
		if !errors.Is(verified, errInvalidMailToken) {
			t.Fatalf("confirming with a link voided meanwhile: %v, want invalid_token", verified)
		}
	})

	// An admin action locks the staff member's row and the account's
	// (Admin.actOn) in the order of their ids, as a transaction
	// about both of them from the other side would: the actor's first
	// would deadlock with one that holds the account's and waits for the
	// actor's.
	t.Run("a staff member acting on another waits in id order, not a deadlock", func(t *testing.T) {
		a, b := signUp(t, "fay@example.com"), signUp(t, "gus@example.com")
		for _, p := range []Principal{a, b} {
			if err := st.UpdateUser(ctx, &store.User{ID: p.UserID, IsActive: true, IsStaff: true}, "is_active", "is_staff"); err != nil {
				t.Fatal(err)
			}
		}
		lower, higher := a, b
		if higher.UserID < lower.UserID {
			lower, higher = higher, lower
		}
		renamed := "Renamed"
		held, acted := takeTurns(t, lockAccount(lower),
			func() error {
				_, err := svc.Admin.UpdateUser(ctx, higher, lower.UserID, shared.AdminUpdateUserRequest{Name: &renamed})
				return err
			},
			lockAccount(higher))
		if held != nil || acted != nil {
			t.Fatalf("holding both accounts: %v; the admin action: %v", held, acted)
		}
	})
}

// TestAccountLock_ChangesToOneAccountAtOnceNeverDeadlock runs the
// transactions that change one account side by side on PostgreSQL, in a
// loop: sign-ins and sign-outs, refreshes, a credential added under
// Sessions.Hold and a way in removed, factor marks, resets, confirmations,
// password and name changes, an administrator's edits. Each may be
// refused for what another did (a session ended, a link spent, the
// password changed); none may fail in the database, as a deadlock
// (SQLSTATE 40P01) would.
func TestAccountLock_ChangesToOneAccountAtOnceNeverDeadlock(t *testing.T) {
	ctx := context.Background()
	st, svc := newLockTestKit(t)
	const email = "ann@example.com"
	var mu sync.Mutex
	password := "correct horse battery"
	current := func() string { mu.Lock(); defer mu.Unlock(); return password }
	changed := func(to string) { mu.Lock(); defer mu.Unlock(); password = to }
	next := func(old string) string {
		if old == "correct horse battery" {
			return "another horse battery"
		}
		return "correct horse battery"
	}
	u, _, err := svc.Accounts.Register(ctx, shared.RegisterRequest{Email: email, Password: current(), Name: "Ann"}, Client{})
	if err != nil {
		t.Fatal(err)
	}
	root, err := svc.Accounts.CreateSuperuser(ctx, "root@example.com", "Root", "root horse battery")
	if err != nil {
		t.Fatal(err)
	}
	_, rootIssued, err := svc.Accounts.Login(ctx, shared.LoginRequest{Email: root.Email, Password: "root horse battery"}, Client{})
	if err != nil {
		t.Fatal(err)
	}
	admin := Principal{UserID: root.ID, SessionID: rootIssued.SessionID}
	signIn := func() (Principal, Issued, bool) {
		_, issued, err := svc.Accounts.Login(ctx, shared.LoginRequest{Email: email, Password: current()}, Client{})
		return Principal{UserID: u.ID, SessionID: issued.SessionID}, issued, err == nil
	}
	secret := func(purpose string) string {
		s, err := svc.Recovery.storeOneTimeSecret(ctx, u.ID, purpose, time.Hour)
		if err != nil {
			t.Error(err)
		}
		return s
	}
	name := "Ann B"
	workers := []func() error{
		func() error {
			if p, _, ok := signIn(); ok {
				return svc.Sessions.Logout(ctx, p)
			}
			return nil
		},
		func() error {
			if p, _, ok := signIn(); ok {
				return svc.Sessions.LogoutAll(ctx, p)
			}
			return nil
		},
		func() error {
			_, issued, ok := signIn()
			if !ok {
				return nil
			}
			_, _, err := svc.Sessions.Refresh(ctx, issued.Refresh, Client{})
			return err
		},
		func() error {
			p, _, ok := signIn()
			if !ok {
				return nil
			}
			return st.InTx(ctx, func(tx *store.Store) error {
				if err := addKey(ctx, svc, tx, p); err != nil {
					return err
				}
				return svc.Factors.Mark(ctx, tx, u.ID, MethodPasskey, true)
			})
		},
		func() error {
			return st.InTx(ctx, func(tx *store.Store) error {
				return svc.WaysIn.Remove(ctx, tx, u.ID, "last", func() error {
					_, err := tx.IDB().NewRaw("DELETE FROM test_keys WHERE user_id = ?", u.ID).Exec(ctx)
					if err != nil {
						return err
					}
					return svc.Factors.Mark(ctx, tx, u.ID, MethodPasskey, false)
				})
			})
		},
		func() error {
			to := next(current())
			err := svc.Recovery.ConfirmPasswordReset(ctx, shared.PasswordResetConfirmRequest{Token: secret(store.PurposePasswordReset), NewPassword: to})
			if err == nil {
				changed(to)
			}
			return err
		},
		func() error {
			_, err := svc.Recovery.VerifyEmail(ctx, shared.VerifyEmailRequest{Token: secret(store.PurposeVerifyEmail)}, nil)
			return err
		},
		func() error {
			p, _, ok := signIn()
			if !ok {
				return nil
			}
			old := current()
			err := svc.Accounts.ChangePassword(ctx, p, shared.ChangePasswordRequest{CurrentPassword: old, NewPassword: next(old)})
			if err == nil {
				changed(next(old))
			}
			return err
		},
		func() error {
			p, _, ok := signIn()
			if !ok {
				return nil
			}
			_, err := svc.Accounts.UpdateProfile(ctx, p, shared.UpdateProfileRequest{Name: &name})
			return err
		},
		func() error {
			if _, err := svc.Admin.ResetFactors(ctx, admin, u.ID); err != nil {
				return err
			}
			_, err := svc.Admin.UpdateUser(ctx, admin, u.ID, shared.AdminUpdateUserRequest{Name: &name})
			return err
		},
	}
	var wg sync.WaitGroup
	for _, work := range workers {
		wg.Go(func() {
			for range 15 {
				err := work()
				var refusal *shared.Error
				if err != nil && !errors.As(err, &refusal) && !errors.Is(err, errSessionGone) {
					t.Errorf("a change failed in the database: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// besideOpen runs first in a transaction on st (PostgreSQL) and starts
// second beside it. Once second has ended or a transaction of this
// database waits for a lock, whichever comes first, it runs then (when
// not nil) in first's transaction and commits it. It returns both errors
// and whether something waited before second ended.
func besideOpen(t *testing.T, st *store.Store, first func(tx *store.Store) error, second func() error, then func(tx *store.Store) error) (firstErr, secondErr error, waited bool) {
	t.Helper()
	ctx := context.Background()
	done := make(chan error, 1)
	started, ended := false, false
	firstErr = st.InTx(ctx, func(tx *store.Store) error {
		if err := first(tx); err != nil {
			return err
		}
		go func() { done <- second() }()
		started = true
		for tries := 0; !waited && !ended; tries++ {
			if tries == 3000 {
				t.Fatal("nothing waited for a lock in 30 s")
			}
			select {
			case secondErr = <-done:
				ended = true
				continue
			case <-time.After(10 * time.Millisecond):
			}
			var n int
			err := st.IDB().NewRaw("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(ctx, &n)
			if err != nil {
				return err
			}
			waited = n > 0
		}
		if then == nil {
			return nil
		}
		return then(tx)
	})
	if started && !ended {
		secondErr = <-done
	}
	return firstErr, secondErr, waited
}
