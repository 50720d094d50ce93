// Package storetest gives tests a fresh, migrated database: a SQLite file
// in the test's temp dir by default, or a new database on the PostgreSQL
// server named by AUTHKIT_TEST_POSTGRES when AUTHKIT_TEST_DB=postgres.
// `make test` runs the server suites once each way, so every API test is
// also a PostgreSQL test.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/authkit/authkit/server/store"
)

// Backend names the database the tests run on: "sqlite" or "postgres".
func Backend() string {
	if os.Getenv("AUTHKIT_TEST_DB") == "postgres" {
		return "postgres"
	}
	return "sqlite"
}

// DSN returns the DSN of a new empty database for t, dropped when t ends.
func DSN(t testing.TB) string {
	t.Helper()
	if Backend() != "postgres" {
		return filepath.Join(t.TempDir(), "authkit.db")
	}
	return NewPostgresDB(t)
}

// Open returns a migrated store on a new database for t.
func Open(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), DSN(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// PostgresURL returns AUTHKIT_TEST_POSTGRES, skipping the test when it is
// unset, or failing it under CI, where the Postgres tests must run.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("AUTHKIT_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("AUTHKIT_TEST_POSTGRES is unset under CI: the PostgreSQL tests must run (see .ci/with-postgres)")
		}
		t.Skip("AUTHKIT_TEST_POSTGRES is unset: skipping PostgreSQL tests (run them with `.ci/with-postgres make test`)")
	}
	return u
}

// NewPostgresDB creates a database on the test server and returns its
// URL; the database is dropped when t ends.
func NewPostgresDB(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	name := "authkit_t_" + strings.ToLower(rand.Text()[:12])
	admin := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(base)))
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() {
		admin := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(base)))
		defer admin.Close()
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return fmt.Sprint(u)
}
