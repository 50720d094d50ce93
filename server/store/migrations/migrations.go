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

// inTx runs a migration's statements in one transaction, so a failed
// migration leaves no half-made schema behind.
func inTx(fn func(ctx context.Context, tx bun.Tx) error) migrate.MigrationFunc {
	return func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, fn)
	}
}
