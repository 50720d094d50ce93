package totp

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	storemigrations "github.com/authkit/authkit/server/store/migrations"
)

// The module's tables: each user's authenticator secret (with a pending
// one while setting up) and their recovery codes. Written against local
// structs, so this migration keeps its meaning when the models grow.
func init() {
	type secret struct {
		bun.BaseModel `bun:"table:totp_secrets"`
		UserID        string     `bun:"user_id,pk"`
		Secret        []byte     `bun:"secret"`
		PendingSecret []byte     `bun:"pending_secret"`
		LastStep      int64      `bun:"last_step,notnull"`
		EnabledAt     *time.Time `bun:"enabled_at"`
		CreatedAt     time.Time  `bun:"created_at,notnull"`
	}
	type recoveryCode struct {
		bun.BaseModel `bun:"table:recovery_codes"`
		ID            string     `bun:"id,pk"`
		UserID        string     `bun:"user_id,notnull"`
		CodeHash      string     `bun:"code_hash,notnull,unique"`
		CreatedAt     time.Time  `bun:"created_at,notnull"`
		UsedAt        *time.Time `bun:"used_at"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		for _, model := range []any{(*secret)(nil), (*recoveryCode)(nil)} {
			if _, err := tx.NewCreateTable().Model(model).
				ForeignKey(`("user_id") REFERENCES "users" ("id") ON DELETE CASCADE`).Exec(ctx); err != nil {
				return err
			}
		}
		_, err := tx.NewCreateIndex().Model((*recoveryCode)(nil)).Index("recovery_codes_user_id_idx").
			Column("user_id").Exec(ctx)
		return err
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		for _, model := range []any{(*recoveryCode)(nil), (*secret)(nil)} {
			if _, err := tx.NewDropTable().Model(model).IfExists().Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	migrations.MustRegister(inTx(up), inTx(down))
}

// inTx runs a migration in one transaction with the row that marks it
// applied (storemigrations.InTx).
var inTx = storemigrations.InTx
