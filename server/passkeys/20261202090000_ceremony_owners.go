package passkeys

import (
	"context"

	"github.com/uptrace/bun"
)

// A ceremony belongs to whoever began it, not only to its user:
//   - webauthn_ceremonies.session_id: a registration, to the session that
//     began it, so another session of the account (or any, once that one
//     has logged out) cannot finish it;
//   - webauthn_ceremonies.browser: a sign-in, to the browser that began it
//     (the SHA-256 of its passkey_browser cookie), so an assertion made for
//     its challenge cannot be finished by another browser, which would
//     then be the one signed in.
//
// Ceremonies begun before this change have neither and can no longer be
// finished; they lived five minutes anyway.
func init() {
	type ceremony struct {
		bun.BaseModel `bun:"table:webauthn_ceremonies"`
	}
	columns := []string{"session_id", "browser"}
	up := func(ctx context.Context, tx bun.Tx) error {
		for _, c := range columns {
			if _, err := tx.NewAddColumn().Model((*ceremony)(nil)).ColumnExpr(c + " VARCHAR").Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		for _, c := range columns {
			if _, err := tx.NewDropColumn().Model((*ceremony)(nil)).Column(c).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	migrations.MustRegister(inTx(up), inTx(down))
}
