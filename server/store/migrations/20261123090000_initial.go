package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// The initial schema: users, sessions, refresh tokens, signing keys and
// server secrets.
func init() {
	type user struct {
		bun.BaseModel `bun:"table:users"`
		ID            string     `bun:"id,pk"`
		Email         string     `bun:"email,notnull,unique"`
		Name          string     `bun:"name,notnull"`
		PasswordHash  string     `bun:"password_hash,notnull"`
		IsActive      bool       `bun:"is_active,notnull"`
		IsStaff       bool       `bun:"is_staff,notnull"`
		IsSuperuser   bool       `bun:"is_superuser,notnull"`
		DateJoined    time.Time  `bun:"date_joined,notnull"`
		LastLogin     *time.Time `bun:"last_login"`
	}
	type session struct {
		bun.BaseModel `bun:"table:sessions"`
		ID            string     `bun:"id,pk"`
		UserID        string     `bun:"user_id,notnull"`
		CreatedAt     time.Time  `bun:"created_at,notnull"`
		LastUsedAt    time.Time  `bun:"last_used_at,notnull"`
		ExpiresAt     time.Time  `bun:"expires_at,notnull"`
		UserAgent     string     `bun:"user_agent,notnull"`
		IP            string     `bun:"ip,notnull"`
		RevokedAt     *time.Time `bun:"revoked_at"`
	}
	type refreshToken struct {
		bun.BaseModel `bun:"table:refresh_tokens"`
		ID            string     `bun:"id,pk"`
		SessionID     string     `bun:"session_id,notnull"`
		TokenHash     string     `bun:"token_hash,notnull,unique"`
		CreatedAt     time.Time  `bun:"created_at,notnull"`
		ExpiresAt     time.Time  `bun:"expires_at,notnull"`
		UsedAt        *time.Time `bun:"used_at"`
		ReplacedBy    *string    `bun:"replaced_by"`
	}
	type signingKey struct {
		bun.BaseModel `bun:"table:signing_keys"`
		KID           string    `bun:"kid,pk"`
		Algorithm     string    `bun:"algorithm,notnull"`
		PrivateKey    []byte    `bun:"private_key,notnull"`
		CreatedAt     time.Time `bun:"created_at,notnull"`
	}
	type secret struct {
		bun.BaseModel `bun:"table:secrets"`
		Name          string    `bun:"name,pk"`
		Value         []byte    `bun:"value,notnull"`
		CreatedAt     time.Time `bun:"created_at,notnull"`
	}

	up := func(ctx context.Context, tx bun.Tx) error {
		create := []struct {
			model any
			fk    string
		}{
			{(*user)(nil), ""},
			{(*session)(nil), `("user_id") REFERENCES "users" ("id") ON DELETE CASCADE`},
			{(*refreshToken)(nil), `("session_id") REFERENCES "sessions" ("id") ON DELETE CASCADE`},
			{(*signingKey)(nil), ""},
			{(*secret)(nil), ""},
		}
		for _, c := range create {
			q := tx.NewCreateTable().Model(c.model)
			if c.fk != "" {
				q = q.ForeignKey(c.fk)
			}
			if _, err := q.Exec(ctx); err != nil {
				return err
			}
		}
		indexes := []struct {
			model        any
			name, column string
		}{
			{(*session)(nil), "sessions_user_id_idx", "user_id"},
			{(*session)(nil), "sessions_expires_at_idx", "expires_at"},
			{(*refreshToken)(nil), "refresh_tokens_session_id_idx", "session_id"},
			{(*refreshToken)(nil), "refresh_tokens_expires_at_idx", "expires_at"},
			{(*user)(nil), "users_date_joined_idx", "date_joined"},
		}
		for _, ix := range indexes {
			if _, err := tx.NewCreateIndex().Model(ix.model).Index(ix.name).Column(ix.column).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		for _, m := range []any{(*refreshToken)(nil), (*session)(nil), (*user)(nil), (*signingKey)(nil), (*secret)(nil)} {
			if _, err := tx.NewDropTable().Model(m).IfExists().Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	Migrations.MustRegister(inTx(up), inTx(down))
}
