package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/server/store"
)

func TestStore_EventsRoundTripAndPageNewestFirst(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.CreateUser(ctx, newUser("a", "a@example.com")); err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		var ids []string
		for i := range 5 {
			e := &store.SecurityEvent{UserID: "a", Type: "sign_in", At: base.Add(time.Duration(i) * time.Minute),
				IP: "127.0.0.1", UserAgent: "ua", Detail: map[string]string{"method": "password"}}
			if err := st.RecordEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.ID)
		}
		// A detail-less event stores "{}" and reads back as an empty map.
		if err := st.RecordEvent(ctx, &store.SecurityEvent{UserID: "a", Type: "sign_out", At: base.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		page, err := st.ListEvents(ctx, store.EventFilter{UserID: "a", Type: "sign_in", Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 2 || page[0].ID != ids[4] || page[1].ID != ids[3] || page[0].Detail["method"] != "password" {
			t.Fatalf("first page = %+v", page)
		}
		next, err := st.ListEvents(ctx, store.EventFilter{UserID: "a", Type: "sign_in", Before: page[1].ID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(next) != 3 || next[0].ID != ids[2] || next[2].ID != ids[0] {
			t.Fatalf("next page = %+v", next)
		}
		if none, _ := st.ListEvents(ctx, store.EventFilter{UserID: "a", Before: "unknown", Limit: 10}); len(none) != 0 {
			t.Fatalf("unknown cursor gave %d events", len(none))
		}
		all, _ := st.ListEvents(ctx, store.EventFilter{UserID: "a", Limit: 1})
		if all[0].Type != "sign_out" || all[0].Detail == nil || len(all[0].Detail) != 0 {
			t.Fatalf("newest = %+v", all[0])
		}
		n, err := st.DeleteEventsBefore(ctx, base.Add(2*time.Minute))
		if err != nil || n != 2 {
			t.Fatalf("swept %d, %v; want 2", n, err)
		}
	})
}

func TestStore_RepeatedEventsCountOnOneRow(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.CreateUser(ctx, newUser("a", "a@example.com")); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		fail := func(ip string, at time.Time) {
			t.Helper()
			err := st.InTx(ctx, func(tx *store.Store) error {
				return tx.RecordRepeatedEvent(ctx, &store.SecurityEvent{UserID: "a", Type: "sign_in_failed", At: at, IP: ip}, at.Add(-15*time.Minute), "count")
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		fail("10.0.0.1", at)
		fail("10.0.0.1", at.Add(time.Minute))
		fail("10.0.0.1", at.Add(2*time.Minute))
		fail("10.0.0.2", at.Add(3*time.Minute))
		fail("10.0.0.1", at.Add(time.Hour)) // a new run
		events, err := st.ListEvents(ctx, store.EventFilter{UserID: "a", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var counts []string
		for _, e := range events {
			counts = append(counts, e.IP+"×"+e.Detail["count"])
		}
		want := []string{"10.0.0.1×1", "10.0.0.2×1", "10.0.0.1×3"}
		if len(counts) != len(want) || counts[0] != want[0] || counts[1] != want[1] || counts[2] != want[2] {
			t.Fatalf("events = %v, want %v", counts, want)
		}
		if !events[2].At.Equal(at.Add(2 * time.Minute)) {
			t.Errorf("the run's event is at %v, want its latest failure", events[2].At)
		}
	})
}

func TestStore_DeleteUserLeavesNoRowOfTheirs(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		for _, u := range []*store.User{newUser("a", "a@example.com"), newUser("staff", "s@example.com")} {
			if err := st.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(st.CreateSession(ctx, &store.Session{ID: "s1", UserID: "a", CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}))
		must(st.CreateRefreshToken(ctx, &store.RefreshToken{ID: "r1", SessionID: "s1", TokenHash: "h1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
		must(st.CreateOneTimeToken(ctx, &store.OneTimeToken{ID: "o1", UserID: "a", Purpose: store.PurposeVerifyEmail, TokenHash: "h2", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
		must(st.RecordEvent(ctx, &store.SecurityEvent{UserID: "a", Type: "sign_in", At: now}))
		// a acted as staff on the other account: that event stays, without a.
		acted := &store.SecurityEvent{UserID: "staff", ActorID: "a", Type: "name_changed", At: now}
		must(st.RecordEvent(ctx, acted))

		must(st.InTx(ctx, func(tx *store.Store) error { return tx.DeleteUser(ctx, "a") }))
		for table, where := range map[string]string{
			"users": "id = 'a'", "sessions": "user_id = 'a'", "refresh_tokens": "id = 'r1'",
			"one_time_tokens": "user_id = 'a'", "security_events": "user_id = 'a' OR actor_id = 'a'",
		} {
			n, err := st.DB().NewSelect().Table(table).Where(where).Count(ctx)
			if err != nil || n != 0 {
				t.Errorf("%s: %d rows of the deleted user (%v)", table, n, err)
			}
		}
		left, _ := st.ListEvents(ctx, store.EventFilter{UserID: "staff", Limit: 10})
		if len(left) != 1 || left[0].ID != acted.ID || left[0].ActorID != "" {
			t.Errorf("the other account's events = %+v", left)
		}
		if err := st.InTx(ctx, func(tx *store.Store) error { return tx.DeleteUser(ctx, "a") }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting again: %v", err)
		}
	})
}

func TestStore_TrimEventsKeepsEachAccountsNewest(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		for _, u := range []*store.User{newUser("a", "a@example.com"), newUser("b", "b@example.com")} {
			if err := st.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		// Ten events of a, the last four at one instant (a frozen clock):
		// the most recently recorded are kept, which is also the order the
		// pages show them in. Three of b.
		var ids []string
		record := func(user string, at time.Time) string {
			t.Helper()
			e := &store.SecurityEvent{UserID: user, Type: "name_changed", At: at}
			if err := st.RecordEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
			return e.ID
		}
		for i := range 10 {
			ids = append(ids, record("a", base.Add(time.Duration(min(i, 6))*time.Minute)))
		}
		for range 3 {
			record("b", base)
		}
		trim := func(user string, keep int) int64 {
			t.Helper()
			var n int64
			err := st.InTx(ctx, func(tx *store.Store) (err error) {
				n, err = tx.TrimEvents(ctx, user, keep)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := trim("a", 10); n != 0 {
			t.Fatalf("at its cap, trimmed %d", n)
		}
		for _, keep := range []int{8, 2} { // a boundary between times, then inside the tie
			if n := trim("a", keep); n != int64(len(ids)-keep) {
				t.Fatalf("keep %d: trimmed %d, want %d", keep, n, len(ids)-keep)
			}
			kept, err := st.ListEvents(ctx, store.EventFilter{UserID: "a", Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			ids = ids[len(ids)-keep:]
			want := slices.Clone(ids)
			slices.Reverse(want)
			var got []string
			for _, e := range kept {
				got = append(got, e.ID)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("keep %d: kept %v, want the newest %v", keep, got, want)
			}
		}
		if others, _ := st.ListEvents(ctx, store.EventFilter{UserID: "b", Limit: 100}); len(others) != 3 {
			t.Errorf("the other account has %d events, want its 3", len(others))
		}
	})
}

// TestStore_RepeatedEventsHaveACapOfTheirOwn: failed sign-ins from many
// clients (anyone who knows the address can cause them) neither count
// against nor trim the account's numbered events, and are trimmed to
// their own cap, the latest kept.
func TestStore_RepeatedEventsHaveACapOfTheirOwn(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.CreateUser(ctx, newUser("a", "a@example.com")); err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		named := &store.SecurityEvent{UserID: "a", Type: "name_changed", At: base}
		if err := st.RecordEvent(ctx, named); err != nil {
			t.Fatal(err)
		}
		var failed []string
		for i := range 6 {
			e := &store.SecurityEvent{UserID: "a", Type: "sign_in_failed", At: base.Add(time.Duration(i+1) * time.Minute), IP: fmt.Sprintf("192.0.2.%d", i+1)}
			err := st.InTx(ctx, func(tx *store.Store) error {
				if err := tx.RecordRepeatedEvent(ctx, e, e.At.Add(-15*time.Minute), "count"); err != nil {
					return err
				}
				if _, err := tx.TrimRepeatedEvents(ctx, "a", "sign_in_failed", 3); err != nil {
					return err
				}
				_, err := tx.TrimEvents(ctx, "a", 1)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			failed = append(failed, e.ID)
		}
		events, err := st.ListEvents(ctx, store.EventFilter{UserID: "a", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range events {
			got = append(got, e.ID)
		}
		want := []string{failed[5], failed[4], failed[3], named.ID}
		if !slices.Equal(got, want) {
			t.Errorf("kept %v, want the last three failed sign-ins and the name change %v", got, want)
		}
	})
}

// TestStore_RepeatedEventsRecordedAtOnceCountOnOneRow: failed sign-ins
// are recorded in the background, so two of one run can be recorded at
// once; they must still count on one row (on PostgreSQL each transaction
// would otherwise find no row and insert its own).
func TestStore_RepeatedEventsRecordedAtOnceCountOnOneRow(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.CreateUser(ctx, newUser("a", "a@example.com")); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		const n = 8
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				errs <- st.InTx(ctx, func(tx *store.Store) error {
					e := &store.SecurityEvent{UserID: "a", Type: "sign_in_failed", At: at.Add(time.Duration(i) * time.Second), IP: "10.0.0.1"}
					return tx.RecordRepeatedEvent(ctx, e, at.Add(-15*time.Minute), "count")
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		events, err := st.ListEvents(ctx, store.EventFilter{UserID: "a", Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].Detail["count"] != strconv.Itoa(n) {
			var counts []string
			for _, e := range events {
				counts = append(counts, e.Detail["count"])
			}
			t.Fatalf("%d rows with counts %v, want one with %d", len(events), counts, n)
		}
	})
}
