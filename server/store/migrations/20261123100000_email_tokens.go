package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Email confirmation and password recovery: users.email_verified, and
// single-use tokens for both flows.
func init() {
	type user struct {
		bun.BaseModel `bun:"table:users"`
	}
	type oneTimeToken struct {
		bun.BaseModel `bun:"table:one_time_tokens"`
		ID            string     `bun:"id,pk"`
		UserID        string     `bun:"user_id,notnull"`
		Purpose       string     `bun:"purpose,notnull"`
		TokenHash     string     `bun:"token_hash,notnull,unique"`
		CreatedAt     time.Time  `bun:"created_at,notnull"`
		ExpiresAt     time.Time  `bun:"expires_at,notnull"`
		UsedAt        *time.Time `bun:"used_at"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewAddColumn().Model((*user)(nil)).
			ColumnExpr("email_verified BOOLEAN NOT NULL DEFAULT FALSE").Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewCreateTable().Model((*oneTimeToken)(nil)).
			ForeignKey(`("user_id") REFERENCES "users" ("id") ON DELETE CASCADE`).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewCreateIndex().Model((*oneTimeToken)(nil)).Index("one_time_tokens_user_purpose_idx").
			Column("user_id", "purpose").Exec(ctx)
		return err
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDropTable().Model((*oneTimeToken)(nil)).IfExists().Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewDropColumn().Model((*user)(nil)).Column("email_verified").Exec(ctx)
		return err
	}
	Migrations.MustRegister(inTx(up), inTx(down))
}
