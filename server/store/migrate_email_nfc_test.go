package store_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun/migrate"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/migrations"
	"github.com/authkit/authkit/server/store/storetest"
)

// TestMigrate_StoredAddressesComposeToNFC: on a database from before the
// kit stored addresses in NFC, an address kept with a combining accent is
// composed, so the sign-in, which now looks the composed form up, still
// finds its account; an address whose composed form another account
// already holds stays as it was, and so does every other.
func TestMigrate_StoredAddressesComposeToNFC(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.DSN(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	before := migrate.NewMigrations()
	for _, m := range migrations.Migrations.Sorted() {
		if m.Name < "20261203100000" {
			before.Add(m)
		}
	}
	m := migrate.NewMigrator(st.DB(), before)
	if err := m.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*store.User{
		newUser("jose", "jose\u0301@example.com"),     // decomposed, alone
		newUser("rene-nfc", "ren\u00e9@example.com"),  // composed...
		newUser("rene-nfd", "rene\u0301@example.com"), // ...and decomposed: two accounts already
		newUser("plain", "plain@example.com"),
	} {
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}

	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{
		"jose":     "jos\u00e9@example.com",
		"rene-nfc": "ren\u00e9@example.com",
		"rene-nfd": "rene\u0301@example.com",
		"plain":    "plain@example.com",
	} {
		u, err := st.UserByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != want {
			t.Errorf("%s's address is %+q, want %+q", id, u.Email, want)
		}
	}
}
