package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// The security_events table: what happened to each account (sign-ins,
// password and email changes, staff actions), for its owner's activity
// list and the staff audit. An account's events go with it (ON DELETE
// CASCADE, and the kit deletes them explicitly too); an event that names
// a deleted staff member as its actor keeps the event, without the actor.
func init() {
	type securityEvent struct {
		bun.BaseModel `bun:"table:security_events"`
		ID            string    `bun:"id,pk"`
		UserID        *string   `bun:"user_id"`
		Type          string    `bun:"type,notnull"`
		At            time.Time `bun:"at,notnull"`
		IP            string    `bun:"ip,notnull"`
		UserAgent     string    `bun:"user_agent,notnull"`
		ActorID       *string   `bun:"actor_id"`
		Detail        string    `bun:"detail,notnull"` // a JSON object of strings
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewCreateTable().Model((*securityEvent)(nil)).
			ForeignKey(`("user_id") REFERENCES "users" ("id") ON DELETE CASCADE`).
			ForeignKey(`("actor_id") REFERENCES "users" ("id") ON DELETE SET NULL`).
			Exec(ctx); err != nil {
			return err
		}
		indexes := []struct {
			name    string
			columns []string
		}{
			{"security_events_user_id_at_idx", []string{"user_id", "at"}},   // an account's activity
			{"security_events_actor_id_at_idx", []string{"actor_id", "at"}}, // the staff audit
			{"security_events_at_idx", []string{"at"}},                      // the retention sweep
		}
		for _, ix := range indexes {
			if _, err := tx.NewCreateIndex().Model((*securityEvent)(nil)).Index(ix.name).Column(ix.columns...).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDropTable().Model((*securityEvent)(nil)).IfExists().Exec(ctx)
		return err
	}
	Migrations.MustRegister(inTx(up), inTx(down))
}
