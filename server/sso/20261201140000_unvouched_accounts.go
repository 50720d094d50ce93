package sso

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// unvouched_accounts: the accounts a provider made without vouching for
// their address, until something proves it (unvouched.go).
func init() {
	type unvouchedAccount struct {
		bun.BaseModel `bun:"table:unvouched_accounts"`
		UserID        string    `bun:"user_id,pk"`
		Email         string    `bun:"email,notnull"`
		CreatedAt     time.Time `bun:"created_at,notnull"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewCreateTable().Model((*unvouchedAccount)(nil)).
			ForeignKey(`("user_id") REFERENCES "users" ("id") ON DELETE CASCADE`).Exec(ctx)
		return err
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDropTable().Model((*unvouchedAccount)(nil)).IfExists().Exec(ctx)
		return err
	}
	migrations.MustRegister(inTx(up), inTx(down))
}
