package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Second factors and re-authentication: how and when each session was
// authenticated (sessions.auth_method, sessions.authenticated_at), the
// factors each user has set up (users.factors), and the second step of
// logins in progress (mfa_challenges).
func init() {
	type user struct {
		bun.BaseModel `bun:"table:users"`
	}
	type session struct {
		bun.BaseModel `bun:"table:sessions"`
	}
	type mfaChallenge struct {
		bun.BaseModel `bun:"table:mfa_challenges"`
		ID            string     `bun:"id,pk"`
		UserID        string     `bun:"user_id,notnull"`
		TokenHash     string     `bun:"token_hash,notnull,unique"`
		AuthMethod    string     `bun:"auth_method,notnull"`
		CreatedAt     time.Time  `bun:"created_at,notnull"`
		ExpiresAt     time.Time  `bun:"expires_at,notnull"`
		Attempts      int        `bun:"attempts,notnull"`
		UsedAt        *time.Time `bun:"used_at"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		timestamp := "TIMESTAMP"
		if tx.Dialect().Name() == dialect.PG {
			timestamp = "TIMESTAMPTZ"
		}
		steps := []func() error{
			func() error {
				_, err := tx.NewAddColumn().Model((*session)(nil)).
					ColumnExpr("auth_method VARCHAR NOT NULL DEFAULT 'password'").Exec(ctx)
				return err
			},
			func() error {
				_, err := tx.NewAddColumn().Model((*session)(nil)).
					ColumnExpr("authenticated_at " + timestamp).Exec(ctx)
				return err
			},
			// Sessions made before this change were authenticated when
			// they started.
			func() error {
				_, err := tx.NewUpdate().Model((*session)(nil)).Set("authenticated_at = created_at").
					Where("authenticated_at IS NULL").Exec(ctx)
				return err
			},
			func() error {
				_, err := tx.NewAddColumn().Model((*user)(nil)).
					ColumnExpr("factors VARCHAR NOT NULL DEFAULT ''").Exec(ctx)
				return err
			},
			func() error {
				_, err := tx.NewCreateTable().Model((*mfaChallenge)(nil)).
					ForeignKey(`("user_id") REFERENCES "users" ("id") ON DELETE CASCADE`).Exec(ctx)
				return err
			},
			func() error {
				_, err := tx.NewCreateIndex().Model((*mfaChallenge)(nil)).Index("mfa_challenges_expires_at_idx").
					Column("expires_at").Exec(ctx)
				return err
			},
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDropTable().Model((*mfaChallenge)(nil)).IfExists().Exec(ctx); err != nil {
			return err
		}
		for _, c := range []struct {
			model  any
			column string
		}{{(*user)(nil), "factors"}, {(*session)(nil), "authenticated_at"}, {(*session)(nil), "auth_method"}} {
			if _, err := tx.NewDropColumn().Model(c.model).Column(c.column).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	Migrations.MustRegister(inTx(up), inTx(down))
}
