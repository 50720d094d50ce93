package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// security_events.seq: each event's number within its account, counting
// up as they are recorded (0 for a deleted account's last event, which
// belongs to none, and for failed sign-ins, which have a cap of their
// own). Keeping an account's newest N events is then
// deleting those numbered at most its highest minus N, two lookups in
// the (user_id, seq) index however many events the account has, instead
// of counting them on every event. Existing events are numbered in the
// order of their time, as their pages show them.
func init() {
	type securityEvent struct {
		bun.BaseModel `bun:"table:security_events"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewAddColumn().Model((*securityEvent)(nil)).
			ColumnExpr("seq BIGINT NOT NULL DEFAULT 0").Exec(ctx); err != nil {
			return err
		}
		// UPDATE … FROM is in PostgreSQL and SQLite 3.33+ alike.
		if _, err := tx.ExecContext(ctx, `UPDATE security_events SET seq = numbered.n
			FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY at, id) AS n
			      FROM security_events WHERE user_id IS NOT NULL AND type <> 'sign_in_failed') AS numbered
			WHERE security_events.id = numbered.id`); err != nil {
			return err
		}
		if _, err := tx.NewCreateIndex().Model((*securityEvent)(nil)).
			Index("security_events_user_id_seq_idx").Column("user_id", "seq").Exec(ctx); err != nil {
			return err
		}
		// The caps, as the server holds them from now on at each event
		// (auth.DefaultEventsPerAccount, and 100 runs of failed sign-ins),
		// so an account that piled up events before does not wait for its
		// next one to be trimmed, nor its export leave some out.
		if _, err := tx.ExecContext(ctx, `DELETE FROM security_events WHERE seq > 0
			AND seq <= (SELECT MAX(mine.seq) FROM security_events AS mine WHERE mine.user_id = security_events.user_id) - 1000`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM security_events WHERE id IN (SELECT id FROM
			(SELECT id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY at DESC, id DESC) AS n
			 FROM security_events WHERE type = 'sign_in_failed' AND user_id IS NOT NULL) AS latest WHERE n > 100)`)
		return err
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDropIndex().Model((*securityEvent)(nil)).Index("security_events_user_id_seq_idx").Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewDropColumn().Model((*securityEvent)(nil)).Column("seq").Exec(ctx)
		return err
	}
	Migrations.MustRegister(inTx(up), inTx(down))
}
