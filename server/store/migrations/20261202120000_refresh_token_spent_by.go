package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// refresh_tokens.spent_by: a digest of the client (address and browser)
// that spent the token. A spent cookie that comes back within the
// browser's grace is a race between two tabs only when the same client
// sends it; from another, it is a reuse. Tokens spent before this column
// have none, and keep the grace they had.
func init() {
	type refreshToken struct {
		bun.BaseModel `bun:"table:refresh_tokens"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewAddColumn().Model((*refreshToken)(nil)).
			ColumnExpr("spent_by TEXT NOT NULL DEFAULT ''").Exec(ctx)
		return err
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDropColumn().Model((*refreshToken)(nil)).Column("spent_by").Exec(ctx)
		return err
	}
	Migrations.MustRegister(inTx(up), inTx(down))
}
