package passkeys

import (
	"context"

	"github.com/uptrace/bun"
)

// webauthn_ceremonies.session_id: a registration belongs to the session
// that began it, not only to its user, so another session of the account
// (or any, once that one has logged out) cannot finish it. Ceremonies
// begun before this change have none and can no longer be finished; they
// lived five minutes anyway.
func init() {
	type ceremony struct {
		bun.BaseModel `bun:"table:webauthn_ceremonies"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewAddColumn().Model((*ceremony)(nil)).ColumnExpr("session_id VARCHAR").Exec(ctx)
		return err
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDropColumn().Model((*ceremony)(nil)).Column("session_id").Exec(ctx)
		return err
	}
	migrations.MustRegister(inTx(up), inTx(down))
}
