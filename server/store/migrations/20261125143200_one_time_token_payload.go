package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// one_time_tokens.payload: what a mailed link carries besides its purpose,
// such as the new address of an email change, which must not take effect
// before the link is opened.
func init() {
	type oneTimeToken struct {
		bun.BaseModel `bun:"table:one_time_tokens"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewAddColumn().Model((*oneTimeToken)(nil)).
			ColumnExpr("payload VARCHAR NOT NULL DEFAULT ''").Exec(ctx)
		return err
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDropColumn().Model((*oneTimeToken)(nil)).Column("payload").Exec(ctx)
		return err
	}
	Migrations.MustRegister(inTx(up), inTx(down))
}
