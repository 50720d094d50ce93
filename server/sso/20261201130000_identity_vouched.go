package sso

import (
	"context"

	"github.com/uptrace/bun"
)

// user_identities.vouched: whether whoever connected the provider account
// had shown they own the account's address, so a password reset knows
// which provider accounts to disconnect (removeUnproven). Rows from
// before this change count as vouched: that keeps their behaviour, and
// which of them made an account unvouched is no longer known.
func init() {
	type userIdentity struct {
		bun.BaseModel `bun:"table:user_identities"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewAddColumn().Model((*userIdentity)(nil)).
			ColumnExpr("vouched BOOLEAN NOT NULL DEFAULT TRUE").Exec(ctx)
		return err
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDropColumn().Model((*userIdentity)(nil)).Column("vouched").Exec(ctx)
		return err
	}
	migrations.MustRegister(inTx(up), inTx(down))
}
