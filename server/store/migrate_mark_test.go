package store_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/migrations"
	"github.com/authkit/authkit/server/store/storetest"
)

// stopAfterCommit cancels the migration's context once the transaction
// that created the probe table has committed: the process dies there,
// as far as the migrator can tell.
type stopAfterCommit struct {
	created atomic.Bool
	stop    context.CancelFunc
}

func (h *stopAfterCommit) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (h *stopAfterCommit) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	switch {
	case strings.Contains(e.Query, "CREATE TABLE") && strings.Contains(e.Query, "mark_probe"):
		h.created.Store(true)
	case e.Query == "COMMIT" && e.Err == nil && h.created.Load():
		h.stop()
	}
}

// TestMigrate_AStopAfterAMigrationCommitsDoesNotRunItAgain: a process
// stopped right after a migration's transaction committed must find it
// applied at the next start. bun marked it applied in a statement after
// the transaction: the next start ran it again, its CREATE TABLE failed,
// and so did every start after it.
func TestMigrate_AStopAfterAMigrationCommitsDoesNotRunItAgain(t *testing.T) {
	dsn := storetest.DSN(t)
	probe := migrate.NewMigrations()
	probe.Add(migrate.Migration{Name: "20991231000000", Comment: "mark_probe",
		Up: func(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error {
			return migrations.InTx(func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.ExecContext(ctx, "CREATE TABLE mark_probe (id INTEGER PRIMARY KEY)")
				return err
			})(ctx, m.DB())
		}})

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	first, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	first.DB().AddQueryHook(&stopAfterCommit{stop: stop})
	first.Migrate(ctx, probe) //nolint:errcheck // stopped midway, on purpose
	first.Close()

	again, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if _, err := again.Migrate(context.Background(), probe); err != nil {
		t.Fatalf("the start after the stop: %v", err)
	}
	var n int
	if err := again.DB().NewSelect().TableExpr("bun_migrations").ColumnExpr("count(*)").
		Where("name = ?", "20991231000000").Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("the probe migration is marked applied %d times, want once", n)
	}
}
