package notes

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	storemigrations "github.com/authkit/authkit/server/store/migrations"
)

// The notes table. Written against a local struct, not Note, so this
// migration keeps its meaning when the model grows a field.
func init() {
	type note struct {
		bun.BaseModel `bun:"table:notes"`
		ID            string    `bun:"id,pk"`
		UserID        string    `bun:"user_id,notnull"`
		Title         string    `bun:"title,notnull"`
		Body          string    `bun:"body,notnull"`
		CreatedAt     time.Time `bun:"created_at,notnull"`
		UpdatedAt     time.Time `bun:"updated_at,notnull"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewCreateTable().Model((*note)(nil)).
			ForeignKey(`("user_id") REFERENCES "users" ("id") ON DELETE CASCADE`).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewCreateIndex().Model((*note)(nil)).Index("notes_user_id_created_at_idx").
			Column("user_id", "created_at").Exec(ctx)
		return err
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDropTable().Model((*note)(nil)).IfExists().Exec(ctx)
		return err
	}
	migrations.MustRegister(inTx(up), inTx(down))
}

// inTx runs a migration in one transaction with the row that marks it
// applied (storemigrations.InTx).
var inTx = storemigrations.InTx
