package migrations

import (
	"context"

	"github.com/uptrace/bun"
	"golang.org/x/text/unicode/norm"
)

// users.email in Unicode NFC, the form shared.NormalizeEmail gives every
// address from now on. An address typed with a combining accent ("e" and
// U+0301 for "é", as some keyboards send it) was stored as typed, so the
// same mailbox typed with the composed letter could register a second
// account; and since a sign-in now looks the composed form up, such an
// address would no longer find its account unless it is composed too.
// Where the composed form is another account's already (the duplicate
// that rule let in), the address is left as it was: that other account
// is the one the address signs in to, and this one keeps its passkeys
// and providers. Addresses are read in batches of ids, not all at once.
func init() {
	up := func(ctx context.Context, tx bun.Tx) error {
		type user struct {
			ID    string `bun:"id"`
			Email string `bun:"email"`
		}
		after := ""
		for {
			var batch []user
			if err := tx.NewSelect().Table("users").Column("id", "email").Where("id > ?", after).
				OrderExpr("id").Limit(1000).Scan(ctx, &batch); err != nil {
				return err
			}
			for _, u := range batch {
				composed := norm.NFC.String(u.Email)
				if composed == u.Email {
					continue
				}
				taken, err := tx.NewSelect().Table("users").Where("email = ?", composed).Exists(ctx)
				if err != nil {
					return err
				}
				if taken {
					continue
				}
				if _, err := tx.NewUpdate().Table("users").Set("email = ?", composed).Where("id = ?", u.ID).Exec(ctx); err != nil {
					return err
				}
			}
			if len(batch) < 1000 {
				return nil
			}
			after = batch[len(batch)-1].ID
		}
	}
	// Down leaves the addresses composed: the kit before this stored
	// whatever it was given, composed forms included.
	down := func(ctx context.Context, tx bun.Tx) error { return nil }
	Migrations.MustRegister(inTx(up), inTx(down))
}
