package store

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"
)

// eventsChannel is the PostgreSQL NOTIFY channel that server instances
// sharing a database use to tell each other about revocations and key
// changes.
const eventsChannel = "authkit_events"

// Publish sends an event to every instance listening on this database,
// this one included. On PostgreSQL it is a NOTIFY, delivered at once; on
// SQLite, where other processes can only poll, it does nothing.
func (s *Store) Publish(ctx context.Context, event string) error {
	if !s.postgres {
		return nil
	}
	return MapError(pgdriver.Notify(ctx, s.root, eventsChannel, event))
}

// Subscribe calls onEvent with each published event until ctx ends. When
// the connection to the database is lost, events may have been missed:
// Subscribe then calls onGap, reconnects and goes on. It calls onGap
// again once it listens again, before any event: events published between
// the first call and then were missed too, and what the caller cached in
// between (read while the database served other connections) may predate
// them. On SQLite it just waits for ctx to end.
func (s *Store) Subscribe(ctx context.Context, onEvent func(string), onGap func()) {
	if !s.postgres {
		<-ctx.Done()
		return
	}
	ln := pgdriver.NewListener(s.root)
	defer ln.Close()
	missed := false
	for ctx.Err() == nil {
		if err := ln.Listen(ctx, eventsChannel); err != nil {
			onGap()
			missed = true
			sleep(ctx, time.Second)
			continue
		}
		if missed {
			onGap()
			missed = false
		}
		for ctx.Err() == nil {
			channel, payload, err := ln.ReceiveTimeout(ctx, 30*time.Second)
			var netErr net.Error
			if errors.As(err, &netErr) && netErr.Timeout() {
				continue // quiet period; the connection is fine
			}
			if err != nil {
				onGap()
				missed = true
				sleep(ctx, time.Second)
				break // listen again on a fresh connection
			}
			if channel == eventsChannel {
				onEvent(payload)
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
