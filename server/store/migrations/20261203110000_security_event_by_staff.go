package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// security_events.by_staff: whether a staff member caused the event, what
// the audit of admin actions lists. actor_id said so until the staff
// member's account was deleted, which empties it: their actions then left
// the audit, and a moderator could take theirs out by deleting their own
// account. Existing events are marked by their actor, and a staff
// deletion whose actor is gone by its detail ("by": "staff"); other
// actions of staff deleted before this column cannot be told apart.
func init() {
	type securityEvent struct {
		bun.BaseModel `bun:"table:security_events"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewAddColumn().Model((*securityEvent)(nil)).
			ColumnExpr("by_staff BOOLEAN NOT NULL DEFAULT FALSE").Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE security_events SET by_staff = TRUE
			WHERE actor_id IS NOT NULL OR (type = 'account_deleted' AND detail LIKE '%"by":"staff"%')`); err != nil {
			return err
		}
		_, err := tx.NewCreateIndex().Model((*securityEvent)(nil)).
			Index("security_events_by_staff_at_idx").Column("by_staff", "at").Exec(ctx)
		return err
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDropIndex().Model((*securityEvent)(nil)).Index("security_events_by_staff_at_idx").Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewDropColumn().Model((*securityEvent)(nil)).Column("by_staff").Exec(ctx)
		return err
	}
	Migrations.MustRegister(inTx(up), inTx(down))
}
