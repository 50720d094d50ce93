package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// Throttle buckets in the database, so instances sharing a PostgreSQL
// database share each rate limit. One row per recently used key: its GCRA
// state, the "theoretical arrival time" in Unix nanoseconds (a plain
// integer, so the atomic update is the same arithmetic on any database).
// SQLite servers keep throttles in memory and leave the table empty.
func init() {
	type throttleBucket struct {
		bun.BaseModel `bun:"table:throttle_buckets"`
		Key           string `bun:"key,pk"`
		TAT           int64  `bun:"tat,notnull"`
	}
	up := func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewCreateTable().Model((*throttleBucket)(nil)).Exec(ctx); err != nil {
			return err
		}
		// The sweep deletes rows whose tat has passed.
		_, err := tx.NewCreateIndex().Model((*throttleBucket)(nil)).Index("throttle_buckets_tat_idx").Column("tat").Exec(ctx)
		return err
	}
	down := func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDropTable().Model((*throttleBucket)(nil)).IfExists().Exec(ctx)
		return err
	}
	Migrations.MustRegister(inTx(up), inTx(down))
}
