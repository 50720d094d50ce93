package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun/migrate"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/migrations"
	"github.com/authkit/authkit/server/store/storetest"
)

// TestMigrate_NumbersAndCapsTheEventsOfAnExistingDatabase: on a database
// the version before the event caps filled, the migration numbers each
// account's events in time order and trims them to the caps at once
// (the newest 1,000, and the latest 100 runs of failed sign-ins), so an
// account does not keep more than the server holds it to until its next
// event.
func TestMigrate_NumbersAndCapsTheEventsOfAnExistingDatabase(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.DSN(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	before := migrate.NewMigrations()
	for _, m := range migrations.Migrations.Sorted() {
		if m.Name < "20261202100000" {
			before.Add(m)
		}
	}
	m := migrate.NewMigrator(st.DB(), before)
	if err := m.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*store.User{newUser("a", "a@example.com"), newUser("b", "b@example.com")} {
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	insert := func(id, user, typ string, at time.Time) {
		t.Helper()
		if _, err := tx.ExecContext(ctx, `INSERT INTO security_events (id, user_id, type, at, ip, user_agent, detail)
			VALUES (?, ?, ?, ?, '', '', '{}')`, id, user, typ, at); err != nil {
			t.Fatal(err)
		}
	}
	// a: 1,005 name changes and 103 failed sign-in runs, interleaved; b: 3.
	for i := range 1005 {
		insert(fmt.Sprintf("a-name-%04d", i), "a", "name_changed", base.Add(time.Duration(i)*time.Minute))
	}
	for i := range 103 {
		insert(fmt.Sprintf("a-failed-%03d", i), "a", "sign_in_failed", base.Add(time.Duration(i*10)*time.Minute+time.Second))
	}
	for i := range 3 {
		insert(fmt.Sprintf("b-name-%d", i), "b", "name_changed", base.Add(time.Duration(i)*time.Minute))
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	count := func(user, typ string) (n int, minSeq, maxSeq int64) {
		t.Helper()
		err := st.DB().NewSelect().Table("security_events").ColumnExpr("COUNT(*), COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0)").
			Where("user_id = ?", user).Where("type = ?", typ).Scan(ctx, &n, &minSeq, &maxSeq)
		if err != nil {
			t.Fatal(err)
		}
		return n, minSeq, maxSeq
	}
	if n, lo, hi := count("a", "name_changed"); n != 1000 || lo != 6 || hi != 1005 {
		t.Errorf("a keeps %d name changes numbered %d..%d, want the newest 1000, 6..1005", n, lo, hi)
	}
	if n, lo, hi := count("a", "sign_in_failed"); n != 100 || lo != 0 || hi != 0 {
		t.Errorf("a keeps %d failed sign-ins numbered %d..%d, want 100, unnumbered", n, lo, hi)
	}
	var oldest string
	if err := st.DB().NewSelect().Table("security_events").Column("id").Where("user_id = 'a'").Where("type = 'sign_in_failed'").
		OrderExpr("at ASC").Limit(1).Scan(ctx, &oldest); err != nil || oldest != "a-failed-003" {
		t.Errorf("the oldest failed sign-in kept is %q (%v), want a-failed-003", oldest, err)
	}
	if n, lo, hi := count("b", "name_changed"); n != 3 || lo != 1 || hi != 3 {
		t.Errorf("b keeps %d events numbered %d..%d, want its 3, 1..3", n, lo, hi)
	}
}

// TestMigrate_MarksTheStaffActionsOfAnExistingDatabase: the events staff
// caused before security_events.by_staff stay in the audit of admin
// actions: those naming their actor, and staff deletions whose actor is
// gone (their detail says "staff").
func TestMigrate_MarksTheStaffActionsOfAnExistingDatabase(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.DSN(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	before := migrate.NewMigrations()
	for _, m := range migrations.Migrations.Sorted() {
		if m.Name < "20261203110000" {
			before.Add(m)
		}
	}
	m := migrate.NewMigrator(st.DB(), before)
	if err := m.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*store.User{newUser("root", "root@example.com"), newUser("bob", "bob@example.com")} {
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for i, e := range []struct {
		id, detail       string
		user, actor, typ any
	}{
		{"renamed-by-root", "{}", "bob", "root", "name_changed"},
		{"signed-in", "{}", "bob", nil, "sign_in"},
		{"deleted-by-staff", `{"by":"staff","is_staff":"false"}`, nil, nil, "account_deleted"},
		{"deleted-by-self", `{"by":"self","is_staff":"false"}`, nil, nil, "account_deleted"},
	} {
		if _, err := st.DB().ExecContext(ctx, `INSERT INTO security_events (id, user_id, actor_id, type, at, ip, user_agent, detail)
			VALUES (?, ?, ?, ?, ?, '', '', ?)`, e.id, e.user, e.actor, e.typ, base.Add(time.Duration(i)*time.Minute), e.detail); err != nil {
			t.Fatal(err)
		}
	}

	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	audit, err := st.ListAuditEvents(ctx, store.EventFilter{StaffActions: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range audit {
		got = append(got, e.ID)
	}
	if want := []string{"deleted-by-staff", "renamed-by-root"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the audit of admin actions holds %v, want %v", got, want)
	}
}
