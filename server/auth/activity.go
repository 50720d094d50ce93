package auth

import (
	"context"
	"log/slog"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Security events (shared.EventType) are what an account's owner sees as
// their recent activity and what staff see as the audit trail. The core
// records its own (sign-ins, sign-outs, password and email changes, staff
// actions, deletions); a module records its own through Activity.Record,
// inside the transaction of the change it describes, so an event exists
// exactly when its change was committed: none is lost, and none describes
// something that rolled back.

// DefaultEventRetention is how long events are kept unless configured.
const DefaultEventRetention = 90 * 24 * time.Hour

// DefaultEventsPerAccount is how many security events are kept per
// account unless configured (Config.EventsPerAccount); the oldest go
// first. Ordinary use records a few a day (sign-ins, sign-outs, the odd
// change), so 1,000 outlasts the 90-day retention for nearly everyone,
// while one account's rows stay under about a megabyte and its data
// export under a thousand entries however fast it writes them (a loop of
// name changes, say).
const DefaultEventsPerAccount = 1000

// knownDeviceWindow is how far back a device counts as known to an
// account: a sign-in from any other mails the owner a notice.
const knownDeviceWindow = 90 * 24 * time.Hour

// failedSignInRun is how long failed sign-ins from one client add up on
// one event rather than each making a new one.
const failedSignInRun = 15 * time.Minute

// failedSignInsKept is how many failed sign-in runs an account keeps, apart
// from its other events (Config.EventsPerAccount): anyone who knows the
// address can cause them, one per client, so they must not push out what
// the owner and staff did.
const failedSignInsKept = 100

// Event is a security event to record.
type Event struct {
	Type shared.EventType
	// UserID is the account it happened to.
	UserID string
	// ActorID is the staff member who acted on the account; "" when the
	// account's owner did (or nobody, as for a detected token theft).
	ActorID string
	// Detail says more, under the shared.Detail… keys; never a secret.
	Detail map[string]string
}

// clientKey is the key ClientFrom asks a context's Value for.
type clientKey struct{}

// IsClientKey reports whether key is the one ClientFrom asks a context's
// Value for, so a context type that carries the client among other values
// (the HTTP layer's, one allocation per request) can answer it.
func IsClientKey(key any) bool {
	_, ok := key.(clientKey)
	return ok
}

// WithClient returns a context that carries the client of the request, so
// the events recorded while serving it name its IP address and
// User-Agent. The HTTP layer sets it on every request; a fork's handler
// that calls the core outside it should too.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the client WithClient put in ctx (the zero Client
// when there is none, as for the command line).
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}

// writeEvent writes e in tx at the given time, naming ctx's client. It
// does not cap the account's events: everything records through
// Activity.record, which does; only the last event of a deleted account,
// which belongs to no account, is written directly.
func writeEvent(ctx context.Context, tx *store.Store, at time.Time, e Event) error {
	c := ClientFrom(ctx)
	return tx.RecordEvent(ctx, &store.SecurityEvent{
		UserID: e.UserID, ActorID: e.ActorID, Type: string(e.Type), At: at,
		IP: c.IP, UserAgent: c.UserAgent, Detail: e.Detail,
	})
}

// Activity records and reads security events.
type Activity struct {
	store      *store.Store
	retention  time.Duration
	keep       int        // events kept per account (Config.EventsPerAccount)
	background background // the failed sign-ins being recorded
	clock      clock
	log        *slog.Logger
}

func newActivity(st *store.Store, cfg Config) *Activity {
	return &Activity{store: st, retention: cfg.EventRetention, keep: cfg.EventsPerAccount, background: newBackground(64),
		clock: clock(cfg.Now), log: cfg.Logger}
}

// Record writes e in tx, the transaction of the change it records, at the
// service's time and with the client of ctx (WithClient). Modules call it
// for their own event types:
//
//	err := k.Store.InTx(ctx, func(tx *store.Store) error {
//		… the change …
//		return k.Auth.Activity.Record(ctx, tx, auth.Event{Type: EventTOTPEnabled, UserID: id})
//	})
func (a *Activity) Record(ctx context.Context, tx *store.Store, e Event) error {
	return a.record(ctx, tx, a.clock.now(), e)
}

// record writes e in tx at the given time and deletes, in the same
// transaction, the account's oldest events beyond its cap, so the cap
// holds at every commit. An account under its cap costs one short index
// read (store.TrimEvents).
func (a *Activity) record(ctx context.Context, tx *store.Store, at time.Time, e Event) error {
	if err := writeEvent(ctx, tx, at, e); err != nil {
		return err
	}
	_, err := tx.TrimEvents(ctx, e.UserID, a.keep)
	return err
}

// List returns one page of the caller's own events, newest first: those
// older than the event before (an id; "" for the newest), at most limit
// (clamped to 1..shared.MaxPageSize). Events that staff caused carry no
// IP address or User-Agent here: those are the staff member's, for the
// audit only.
func (a *Activity) List(ctx context.Context, p Principal, before string, limit int) ([]store.SecurityEvent, error) {
	events, err := a.store.ListEvents(ctx, store.EventFilter{UserID: p.UserID, Before: before, Limit: pageSize(limit)})
	if err != nil {
		return nil, err
	}
	return ownerView(events), nil
}

// All returns every event the server keeps about a user, newest first,
// as the owner sees them (List): what the data export holds. The caps
// (Config.EventsPerAccount, failedSignInsKept) bound them, and so the
// memory this takes.
func (a *Activity) All(ctx context.Context, userID string) ([]store.SecurityEvent, error) {
	events, err := a.store.ListEvents(ctx, store.EventFilter{UserID: userID, Limit: a.keep + failedSignInsKept})
	if err != nil {
		return nil, err
	}
	return ownerView(events), nil
}

func ownerView(events []store.SecurityEvent) []store.SecurityEvent {
	for i := range events {
		if events[i].ActorID != "" {
			events[i].IP, events[i].UserAgent, events[i].ActorID = "", "", ""
		}
	}
	return events
}

// pageSize clamps a requested page size to 1..shared.MaxPageSize, 0
// meaning the default.
func pageSize(limit int) int {
	if limit <= 0 {
		return shared.DefaultPageSize
	}
	return min(limit, shared.MaxPageSize)
}

// Sweep deletes the events older than the retention (Config.EventRetention)
// and returns how many; the sweeper calls it with the other clean-ups.
func (a *Activity) Sweep(ctx context.Context) (int64, error) {
	return a.store.DeleteEventsBefore(ctx, a.clock.now().Add(-a.retention))
}

// failedSignIn records a failed sign-in on an existing account, in the
// background: the answer to a wrong password must take as long as the
// answer to an unknown email, which writes nothing (OWASP ASVS 2.2).
// Failures from one client within failedSignInRun count on one event.
func (a *Activity) failedSignIn(ctx context.Context, userID string, client Client) {
	now := a.clock.now()
	started := a.background.start(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		err := a.store.InTx(ctx, func(tx *store.Store) error {
			err := tx.RecordRepeatedEvent(ctx, &store.SecurityEvent{
				UserID: userID, Type: string(shared.EventSignInFailed), At: now, IP: client.IP, UserAgent: client.UserAgent,
			}, now.Add(-failedSignInRun), shared.DetailCount)
			if err != nil {
				return err
			}
			_, err = tx.TrimRepeatedEvents(ctx, userID, string(shared.EventSignInFailed), failedSignInsKept)
			return err
		})
		if err != nil {
			a.log.ErrorContext(ctx, "recording a failed sign-in", "user_id", userID, "err", err)
		}
	})
	if !started {
		a.log.WarnContext(ctx, "too many failed sign-ins being recorded; one is not", "user_id", userID)
	}
}

// knownDevice reports whether the account was created or signed in from
// this client's device (its browser and system, and the network its IP
// address is in) within knownDeviceWindow.
func knownDevice(ctx context.Context, tx *store.Store, userID string, client Client, now time.Time) (bool, error) {
	recent, err := tx.RecentClients(ctx, userID,
		[]string{string(shared.EventSignIn), string(shared.EventAccountCreated)}, now.Add(-knownDeviceWindow), 500)
	if err != nil {
		return false, err
	}
	key := deviceKey(client.UserAgent, client.IP)
	for _, e := range recent {
		if deviceKey(e.UserAgent, e.IP) == key {
			return true, nil
		}
	}
	return false, nil
}
