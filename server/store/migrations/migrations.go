// Package migrations holds the schema history, one Go file per change,
// named by date so bun/migrate applies them in order. Each migration is
// written against its own local structs, never the live models, so an old
// migration keeps its meaning when a model grows a field.
package migrations

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// Migrations is the registry the store's migrator runs.
var Migrations = migrate.NewMigrations()

// InTx makes a migration of fn that runs in one transaction with the row
// that marks it applied (when store.Migrate runs it; see WithMark): a
// failed migration leaves no half-made schema behind, and a process killed
// after its last statement leaves it either applied and marked, or neither.
// bun marks a migration in a statement of its own after the migration's
// transaction, so a process that died between the two ran the migration
// again at the next start, where its first CREATE TABLE failed, and every
// start after it. Every module's migrations use it.
func InTx(fn func(ctx context.Context, tx bun.Tx) error) migrate.MigrationFunc {
	return func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := fn(ctx, tx); err != nil {
				return err
			}
			if mark, ok := ctx.Value(markKey{}).(Mark); ok {
				return mark(ctx, tx)
			}
			return nil
		})
	}
}

// Mark records, in tx, that the migration being applied is applied.
type Mark func(ctx context.Context, tx bun.Tx) error

type markKey struct{}

// WithMark gives the migration run with the returned context the mark to
// record in its transaction (InTx does; a rollback's context has none).
func WithMark(ctx context.Context, mark Mark) context.Context {
	return context.WithValue(ctx, markKey{}, mark)
}

// inTx is InTx, under the name this package's migrations use.
var inTx = InTx
