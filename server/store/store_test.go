package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
)

// backends runs f on a fresh SQLite file and on a fresh PostgreSQL
// database (skipped locally without AUTHKIT_TEST_POSTGRES, required in CI).
func backends(t *testing.T, f func(t *testing.T, st *store.Store)) {
	for _, b := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "a.db") }},
		{"postgres", func(t *testing.T) string { return storetest.NewPostgresDB(t) }},
	} {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, b.dsn(t), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if again, err := st.Migrate(ctx); err != nil || len(again) != 0 {
				t.Fatalf("second migrate: %v, %v", again, err)
			}
			f(t, st)
		})
	}
}

func newUser(id, email string) *store.User {
	return &store.User{ID: id, Email: email, Name: id, PasswordHash: "x", IsActive: true, DateJoined: time.Now().UTC()}
}

func TestStore_ErrorsMapToDomainErrors(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.CreateUser(ctx, newUser("a", "a@example.com")); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateUser(ctx, newUser("b", "a@example.com")); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate email: %v", err)
		}
		if err := st.CreateUser(ctx, newUser("a", "other@example.com")); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate id: %v", err)
		}
		if _, err := st.UserByID(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing user: %v", err)
		}
		if err := st.UpdateUser(ctx, newUser("missing", "m@example.com"), "name"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update missing: %v", err)
		}
	})
}

func TestStore_TransactionsWriteAllOrNothing(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		err := st.InTx(ctx, func(tx *store.Store) error {
			if err := tx.CreateUser(ctx, newUser("a", "a@example.com")); err != nil {
				return err
			}
			return tx.CreateUser(ctx, newUser("b", "a@example.com")) // conflict: rolls back "a"
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("InTx = %v", err)
		}
		if n, _ := st.CountUsers(ctx); n != 0 {
			t.Fatalf("%d users after a rolled-back transaction", n)
		}
	})
}

func TestStore_SpendRefreshTokenOnlyOnce(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		st.CreateUser(ctx, newUser("u", "u@example.com"))
		st.CreateSession(ctx, &store.Session{ID: "s", UserID: "u", CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)})
		if err := st.CreateRefreshToken(ctx, &store.RefreshToken{ID: "t", SessionID: "s", TokenHash: "h", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 8 {
			wg.Go(func() {
				won, err := st.SpendRefreshToken(ctx, "t", "next"+string(rune('a'+i)), now)
				if err != nil {
					t.Error(err)
				}
				if won {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d spends of one token", wins)
		}
	})
}

func TestStore_EnsureSecretKeepsTheFirstValue(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		first, err := st.EnsureSecret(ctx, "k", []byte("one"), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		second, err := st.EnsureSecret(ctx, "k", []byte("two"), time.Now())
		if err != nil || string(first) != "one" || string(second) != "one" {
			t.Fatalf("secrets %q %q %v", first, second, err)
		}
	})
}

func TestStore_ListUsersSearchesLiterally(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		for i, e := range []string{"ann@example.com", "bob@example.com", "x_y@example.com"} {
			u := newUser(string(rune('a'+i)), e)
			u.DateJoined = u.DateJoined.Add(time.Duration(i) * time.Second)
			st.CreateUser(ctx, u)
		}
		users, total, err := st.ListUsers(ctx, "_", 10, 0)
		if err != nil || total != 1 || users[0].Email != "x_y@example.com" {
			t.Fatalf("users %v total %d err %v", users, total, err)
		}
		users, total, _ = st.ListUsers(ctx, "EXAMPLE", 2, 0)
		if total != 3 || len(users) != 2 || users[0].Email != "x_y@example.com" {
			t.Fatalf("page: %v total %d", users, total)
		}
	})
}
