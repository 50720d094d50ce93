package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Security events: the rows behind an account's activity list and the
// staff audit. Record them through a Store inside InTx, with the change
// they describe, so an event is written exactly when its change commits.

// RecordEvent inserts e, giving it an id when it has none. Overlong
// client fields are cut to the lengths the sessions table keeps.
func (s *Store) RecordEvent(ctx context.Context, e *SecurityEvent) error {
	if err := s.checkWritable(); err != nil {
		return err
	}
	prepareEvent(e)
	var err error
	if e.Seq, err = s.nextSeq(ctx, e.UserID); err != nil {
		return err
	}
	return s.insertEvent(ctx, e)
}

func (s *Store) insertEvent(ctx context.Context, e *SecurityEvent) error {
	_, err := s.db.NewInsert().Model(e).Exec(ctx)
	return MapError(err)
}

func prepareEvent(e *SecurityEvent) {
	if e.ID == "" {
		e.ID = uuid.Must(uuid.NewV7()).String()
	}
	if e.Detail == nil {
		e.Detail = map[string]string{} // the column is NOT NULL: "{}"
	}
	e.ByStaff = e.ActorID != ""
	e.IP, e.UserAgent = cut(e.IP, 64), cut(e.UserAgent, 512)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// RecordRepeatedEvent records e, unless the account already has an event
// of e's type from e's IP at or after since: that one then counts one
// more (its detail "count") and moves to e's time. Failed sign-ins are
// recorded this way, so a password-guessing run is one row per client,
// not one per guess. Such events are kept apart from the account's
// numbered ones (Seq 0: TrimEvents leaves them), so that runs from many
// clients, which anyone who knows the address can cause, never push
// what the owner and staff did out of the account's history; they have
// their own cap (TrimRepeatedEvents). Call it inside InTx. On
// PostgreSQL it first locks the account's row (LockUser), so that two
// recorded at once (failed sign-ins are recorded in the background) take
// turns, the second finding the first's row, rather than each inserting
// a row of its own with a count of one.
func (s *Store) RecordRepeatedEvent(ctx context.Context, e *SecurityEvent, since time.Time, countKey string) error {
	if err := s.LockUser(ctx, e.UserID); err != nil {
		return err
	}
	var prev SecurityEvent
	err := s.db.NewSelect().Model(&prev).
		Where("e.user_id = ?", e.UserID).Where("e.type = ?", e.Type).Where("e.ip = ?", cut(e.IP, 64)).
		Where("e.at >= ?", since).
		OrderExpr("e.at DESC, e.id DESC").Limit(1).Scan(ctx)
	if err := MapError(err); errors.Is(err, ErrNotFound) {
		if err := s.checkWritable(); err != nil {
			return err
		}
		prepareEvent(e)
		e.Detail[countKey], e.Seq = "1", 0
		return s.insertEvent(ctx, e)
	} else if err != nil {
		return err
	}
	if prev.Detail == nil {
		prev.Detail = map[string]string{}
	}
	count, _ := strconv.Atoi(prev.Detail[countKey])
	prev.Detail[countKey] = strconv.Itoa(count + 1)
	prev.At, prev.UserAgent = e.At, cut(e.UserAgent, 512)
	_, err = s.db.NewUpdate().Model(&prev).Column("at", "user_agent", "detail").WherePK().Exec(ctx)
	return MapError(err)
}

// TrimRepeatedEvents deletes a user's events of type (recorded by
// RecordRepeatedEvent) beyond the keep latest, and returns how many. It
// reads that account's events in the (user_id, at) index. Call it inside
// InTx, after recording one.
func (s *Store) TrimRepeatedEvents(ctx context.Context, userID, typ string, keep int) (int64, error) {
	if userID == "" || keep <= 0 {
		return 0, nil
	}
	latest := s.db.NewSelect().Model((*SecurityEvent)(nil)).Column("id").
		Where("user_id = ?", userID).Where("type = ?", typ).OrderExpr("at DESC, id DESC").Limit(int64(keep))
	res, err := s.db.NewDelete().Model((*SecurityEvent)(nil)).
		Where("user_id = ?", userID).Where("type = ?", typ).Where("id NOT IN (?)", latest).Exec(ctx)
	if err != nil {
		return 0, MapError(err)
	}
	return res.RowsAffected()
}

// EventFilter selects security events, newest first.
type EventFilter struct {
	UserID string // one account's events; "" for all
	Type   string // one type; "" for all
	// StaffActions keeps only events a staff member caused (ByStaff),
	// those of staff whose account is gone too: the audit of admin
	// actions.
	StaffActions bool
	// Before is the id of the last event of the previous page; the page
	// holds the events older than it. An unknown id gives an empty page.
	Before string
	Limit  int
}

func (f EventFilter) apply(q *bun.SelectQuery) *bun.SelectQuery {
	if f.UserID != "" {
		q = q.Where("e.user_id = ?", f.UserID)
	}
	if f.Type != "" {
		q = q.Where("e.type = ?", f.Type)
	}
	if f.StaffActions {
		q = q.Where("e.by_staff")
	}
	if f.Before != "" {
		// (at, id) below the cursor's, written out: row values are not in
		// every SQLite build.
		q = q.Where("(e.at < (SELECT at FROM security_events WHERE id = ?) OR "+
			"(e.at = (SELECT at FROM security_events WHERE id = ?) AND e.id < ?))", f.Before, f.Before, f.Before)
	}
	return q.OrderExpr("e.at DESC, e.id DESC").Limit(int64(f.Limit))
}

// ListEvents returns the events f selects, newest first.
func (s *Store) ListEvents(ctx context.Context, f EventFilter) ([]SecurityEvent, error) {
	events := []SecurityEvent{}
	err := f.apply(s.db.NewSelect().Model(&events)).Scan(ctx)
	return events, MapError(err)
}

// AuditEvent is a security event with the current emails of its account
// and of its actor ("" for an account that is gone).
type AuditEvent struct {
	SecurityEvent `bun:",extend"`
	UserEmail     string `bun:"user_email"`
	ActorEmail    string `bun:"actor_email"`
}

// ListAuditEvents returns the events f selects, newest first, with the
// emails of their accounts and actors.
func (s *Store) ListAuditEvents(ctx context.Context, f EventFilter) ([]AuditEvent, error) {
	events := []AuditEvent{}
	q := s.db.NewSelect().Model(&events).
		ColumnExpr("e.*").
		ColumnExpr("COALESCE(u.email, '') AS user_email").
		ColumnExpr("COALESCE(a.email, '') AS actor_email").
		Join("LEFT JOIN users AS u ON u.id = e.user_id").
		Join("LEFT JOIN users AS a ON a.id = e.actor_id")
	err := f.apply(q).Scan(ctx)
	return events, MapError(err)
}

// RecentClients returns the IP and User-Agent of a user's events of these
// types at or after since, newest first, at most limit of them: the
// devices the account was recently used from.
func (s *Store) RecentClients(ctx context.Context, userID string, types []string, since time.Time, limit int) ([]SecurityEvent, error) {
	var events []SecurityEvent
	err := s.db.NewSelect().Model(&events).Column("ip", "user_agent").
		Where("e.user_id = ?", userID).Where("e.type IN (?)", bun.List(types)).Where("e.at >= ?", since).
		OrderExpr("e.at DESC, e.id DESC").Limit(int64(limit)).Scan(ctx)
	return events, MapError(err)
}

// TrimEvents deletes a user's numbered events beyond the keep most
// recently recorded (by Seq) and returns how many: what bounds one
// account's rows whatever it does within the retention (repeated events,
// unnumbered, have their own cap: TrimRepeatedEvents). Call it inside InTx, after
// recording an event, so the cap holds at every commit. It reads the
// account's highest number and deletes below it in the (user_id, seq)
// index: a few page reads whatever the account's size, and no write
// for an account under its cap.
func (s *Store) TrimEvents(ctx context.Context, userID string, keep int) (int64, error) {
	if userID == "" || keep <= 0 {
		return 0, nil
	}
	res, err := s.db.NewDelete().Model((*SecurityEvent)(nil)).Where("user_id = ?", userID).
		Where("seq > 0").Where("seq <= (SELECT MAX(seq) FROM security_events WHERE user_id = ?) - ?", userID, keep).Exec(ctx)
	if err != nil {
		return 0, MapError(err)
	}
	return res.RowsAffected()
}

// nextSeq is the number of the account's next event (SecurityEvent.Seq).
func (s *Store) nextSeq(ctx context.Context, userID string) (int64, error) {
	if userID == "" {
		return 0, nil
	}
	var last int64
	err := s.db.NewSelect().Model((*SecurityEvent)(nil)).ColumnExpr("COALESCE(MAX(seq), 0)").
		Where("user_id = ?", userID).Scan(ctx, &last)
	return last + 1, MapError(err)
}

// DeleteEventsBefore deletes the events older than cutoff (the retention
// sweep) and returns how many.
func (s *Store) DeleteEventsBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := s.InTx(ctx, func(tx *Store) error {
		res, err := tx.db.NewDelete().Model((*SecurityEvent)(nil)).Where("at < ?", cutoff).Exec(ctx)
		if err != nil {
			return MapError(err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
