package passkeys

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	storemigrations "github.com/authkit/authkit/server/store/migrations"
)

// The module's tables: passkeys (one row per credential) and WebAuthn
// ceremonies in progress (so any instance can finish what another began).
// Written against local structs, so this migration keeps its meaning when
// the models grow.
func init() {
	type passkey struct {
		bun.BaseModel  `bun:"table:passkeys"`
		ID             string     `bun:"id,pk"`
		UserID         string     `bun:"user_id,notnull"`
		CredentialID   []byte     `bun:"credential_id,notnull,unique"`
		Name           string     `bun:"name,notnull"`
		Credential     string     `bun:"credential,notnull"`
		SignCount      int64      `bun:"sign_count,notnull"`
		BackupEligible bool       `bun:"backup_eligible,notnull"`
		BackupState    bool       `bun:"backup_state,notnull"`
		CreatedAt      time.Time  `bun:"created_at,notnull"`
		LastUsedAt     *time.Time `bun:"last_used_at"`
	}
	type ceremony struct {
		bun.BaseModel `bun:"table:webauthn_ceremonies"`
		ID            string     `bun:"id,pk"`
		Challenge     string     `bun:"challenge,notnull,unique"`
		Kind          string     `bun:"kind,notnull"`
		UserID        *string    `bun:"user_id"`
		Session       string     `bun:"session,notnull"`
		CreatedAt     time.Time  `bun:"created_at,notnull"`
		ExpiresAt     time.Time  `bun:"expires_at,notnull"`
		UsedAt        *time.Time `bun:"used_at"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewCreateTable().Model((*passkey)(nil)).
			ForeignKey(`("user_id") REFERENCES "users" ("id") ON DELETE CASCADE`).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewCreateIndex().Model((*passkey)(nil)).Index("passkeys_user_id_idx").Column("user_id").Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewCreateTable().Model((*ceremony)(nil)).
			ForeignKey(`("user_id") REFERENCES "users" ("id") ON DELETE CASCADE`).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewCreateIndex().Model((*ceremony)(nil)).Index("webauthn_ceremonies_expires_at_idx").Column("expires_at").Exec(ctx)
		return err
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		for _, model := range []any{(*ceremony)(nil), (*passkey)(nil)} {
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
