package sso

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	storemigrations "github.com/authkit/authkit/server/store/migrations"
)

// The connected identities, and the sign-in attempts in flight. Written
// against local structs, not the models, so this migration keeps its
// meaning when a model grows a field.
func init() {
	type userIdentity struct {
		bun.BaseModel `bun:"table:user_identities"`
		ID            string    `bun:"id,pk"`
		UserID        string    `bun:"user_id,notnull"`
		Provider      string    `bun:"provider,notnull"`
		Subject       string    `bun:"subject,notnull"`
		Email         string    `bun:"email,notnull"`
		CreatedAt     time.Time `bun:"created_at,notnull"`
	}
	type oauthAttempt struct {
		bun.BaseModel `bun:"table:oauth_attempts"`
		StateHash     string    `bun:"state_hash,pk"`
		Provider      string    `bun:"provider,notnull"`
		Nonce         string    `bun:"nonce,notnull"`
		Verifier      string    `bun:"verifier,notnull"`
		Next          string    `bun:"next,notnull"`
		UserID        string    `bun:"user_id,notnull"`
		SessionID     string    `bun:"session_id,notnull"`
		CreatedAt     time.Time `bun:"created_at,notnull"`
		ExpiresAt     time.Time `bun:"expires_at,notnull"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewCreateTable().Model((*userIdentity)(nil)).
			ForeignKey(`("user_id") REFERENCES "users" ("id") ON DELETE CASCADE`).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewCreateIndex().Model((*userIdentity)(nil)).Index("user_identities_provider_subject_key").
			Unique().Column("provider", "subject").Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewCreateIndex().Model((*userIdentity)(nil)).Index("user_identities_user_id_idx").
			Column("user_id").Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewCreateTable().Model((*oauthAttempt)(nil)).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewCreateIndex().Model((*oauthAttempt)(nil)).Index("oauth_attempts_expires_at_idx").
			Column("expires_at").Exec(ctx)
		return err
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		for _, m := range []any{(*oauthAttempt)(nil), (*userIdentity)(nil)} {
			if _, err := tx.NewDropTable().Model(m).IfExists().Exec(ctx); err != nil {
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
