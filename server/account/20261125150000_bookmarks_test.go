package account_test

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// bookmarkMigrations is the test module's schema (bookmarks_test.go): a
// table with no foreign key to users, so only the module's delete hook
// can remove a user's rows. bun names the migration after this file.
var bookmarkMigrations = func() *migrate.Migrations {
	m := migrate.NewMigrations()
	m.MustRegister(func(ctx context.Context, db *bun.DB) error {
		_, err := db.NewCreateTable().Model((*bookmark)(nil)).Exec(ctx)
		return err
	}, func(ctx context.Context, db *bun.DB) error {
		_, err := db.NewDropTable().Model((*bookmark)(nil)).IfExists().Exec(ctx)
		return err
	})
	return m
}()
