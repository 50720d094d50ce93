package passkeys

import (
	"context"

	"github.com/uptrace/bun"
)

// webauthn_ceremonies.browser: a sign-in belongs to the browser that
// began it (the SHA-256 of its passkey_browser cookie), so an assertion
// made for its challenge cannot be finished by another browser, which
// would then be the one signed in. Sign-ins begun before this change have
// none and can no longer be finished; they lived five minutes anyway.
func init() {
	type ceremony struct {
		bun.BaseModel `bun:"table:webauthn_ceremonies"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewAddColumn().Model((*ceremony)(nil)).ColumnExpr("browser VARCHAR").Exec(ctx)
		return err
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDropColumn().Model((*ceremony)(nil)).Column("browser").Exec(ctx)
		return err
	}
	migrations.MustRegister(inTx(up), inTx(down))
}
