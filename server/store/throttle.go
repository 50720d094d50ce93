package store

import (
	"context"
	"database/sql"
	"time"
)

// Throttle buckets shared by every instance on a PostgreSQL database. Each
// row is one key's GCRA state: tat, the "theoretical arrival time" in Unix
// nanoseconds (see auth/throttle.go for the algorithm). A bucket whose tat
// has passed is full, the same as no row, which is why FlushExpired may
// delete those rows at any time.

// takeThrottleTokenSQL spends a token in a single statement. The INSERT
// creates the row of a new key (a full bucket, minus this token); ON
// CONFLICT moves an existing row's tat one interval on, but only WHERE a
// token is left, so two instances (or two requests) cannot both spend the
// last one: PostgreSQL takes the row lock and re-checks the condition on
// the newest row version. When no token is left the UPDATE is skipped and
// RETURNING yields no row. prior, read from the statement's snapshot, is
// only used to say how long to wait, never to decide.
//
// Arguments: key, now, interval, now + window (all times in nanoseconds).
const takeThrottleTokenSQL = `
WITH prior AS (SELECT tat FROM throttle_buckets WHERE key = ?0),
spent AS (
	INSERT INTO throttle_buckets AS b (key, tat) VALUES (?0, ?1 + ?2)
	ON CONFLICT (key) DO UPDATE SET tat = GREATEST(b.tat, ?1) + ?2
	WHERE GREATEST(b.tat, ?1) + ?2 <= ?3
	RETURNING tat)
SELECT (SELECT tat FROM spent) AS spent, (SELECT tat FROM prior) AS prior`

// TakeThrottleToken spends a token of key's bucket (burst tokens, one back
// every interval) if one is left. When none is, ok is false and tat is the
// bucket's state, from which the caller works out the wait.
func (s *Store) TakeThrottleToken(ctx context.Context, key string, now time.Time, interval time.Duration, burst int) (ok bool, tat time.Time, err error) {
	if err := s.checkWritable(); err != nil {
		return false, time.Time{}, err
	}
	var spent, prior sql.NullInt64
	n, step := now.UnixNano(), interval.Nanoseconds()
	err = s.db.NewRaw(takeThrottleTokenSQL, key, n, step, n+int64(burst)*step).Scan(ctx, &spent, &prior)
	if err != nil {
		return false, time.Time{}, MapError(err)
	}
	if spent.Valid {
		return true, time.Unix(0, spent.Int64), nil
	}
	if !prior.Valid { // created by a concurrent statement after our snapshot
		return false, now.Add(time.Duration(burst) * interval), nil
	}
	return false, time.Unix(0, prior.Int64), nil
}

// RefundThrottleToken gives back a token spent by TakeThrottleToken.
func (s *Store) RefundThrottleToken(ctx context.Context, key string, interval time.Duration) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	_, err := s.db.NewRaw("UPDATE throttle_buckets SET tat = tat - ? WHERE key = ?", interval.Nanoseconds(), key).Exec(ctx)
	return MapError(err)
}
