package account_test

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

func TestActivity_RecordsTheCoreFlowsNewestFirst(t *testing.T) {
	ts := newServer(t)
	laptop := ts.Browser()
	laptop.Register("ann@example.com", "Ann")

	// Two wrong passwords from one client are one event, counted twice;
	// a wrong password for an unknown email records nothing anywhere.
	stranger := ts.Browser()
	stranger.Login("ann@example.com", "not the password").ExpectError(t, 401, shared.CodeInvalidCredentials)
	stranger.Login("ann@example.com", "still not it").ExpectError(t, 401, shared.CodeInvalidCredentials)
	stranger.Login("nobody@example.com", "whatever").ExpectError(t, 401, shared.CodeInvalidCredentials)
	eventually(t, "the failed sign-ins", func() bool {
		events := laptop.Activity("")
		return len(events) > 0 && events[0].Type == shared.EventSignInFailed && events[0].Detail[shared.DetailCount] == "2"
	})

	phone := ts.Browser()
	phone.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	var phoneSession string
	var list shared.SessionsResponse
	laptop.Do("GET", "/api/me/sessions", nil).Decode(t, &list)
	for _, s := range list.Sessions {
		if !s.Current {
			phoneSession = s.ID
		}
	}
	laptop.Do("DELETE", "/api/me/sessions/"+phoneSession, nil).ExpectStatus(t, http.StatusNoContent)
	laptop.Do("PATCH", "/api/me", map[string]string{"name": "Ann B"}).ExpectStatus(t, http.StatusOK)
	laptop.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "a brand new passphrase"}).
		ExpectStatus(t, http.StatusNoContent)
	laptop.Do("POST", "/api/auth/logout", nil).ExpectStatus(t, http.StatusNoContent)
	laptop.Login("ann@example.com", "a brand new passphrase").ExpectStatus(t, http.StatusOK)

	events := laptop.Activity("")
	want := []shared.EventType{
		shared.EventSignIn, shared.EventSignOut, shared.EventPasswordChanged, shared.EventNameChanged,
		shared.EventSessionRevoked, shared.EventSignIn, shared.EventSignInFailed, shared.EventAccountCreated,
	}
	if got := apitest.EventTypes(events); !slices.Equal(got, want) {
		t.Fatalf("activity = %v,\nwant %v", got, want)
	}
	for _, e := range events {
		if e.ID == "" || e.At.IsZero() || e.IP != "127.0.0.1" || e.UserAgent == "" || e.Detail == nil {
			t.Errorf("event %+v lacks its time, client or detail", e)
		}
	}
	if got := events[0].Describe(); got != "Signed in from Go program, 127.0.0.1" {
		t.Errorf("Describe = %q", got)
	}
	if events[0].Detail[shared.DetailMethod] != "password" || events[4].Detail[shared.DetailDevice] != "Go program, 127.0.0.1" {
		t.Errorf("details: %v, %v", events[0].Detail, events[4].Detail)
	}

	// Pages: newest first, each older than the last one's id.
	first := laptop.Activity("?limit=3")
	rest := laptop.Activity("?before=" + first[2].ID)
	if got := append(apitest.EventTypes(first), apitest.EventTypes(rest)...); !slices.Equal(got, want) {
		t.Errorf("pages = %v", got)
	}
	for _, q := range []string{"?limit=-1", "?limit=x", "?before=" + strings.Repeat("x", 101)} {
		laptop.Do("GET", "/api/me/activity"+q, nil).ExpectError(t, 400, shared.CodeValidationFailed)
	}
	ts.Browser().Do("GET", "/api/me/activity", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
}

func TestActivity_RefreshTokenReuseAndTheTokenFlow(t *testing.T) {
	ts := newServer(t)
	ts.Browser().Register("ann@example.com", "Ann")
	pair := ts.Tokens("ann@example.com", apitest.Password)
	api := ts.TokenClient()
	api.Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).ExpectStatus(t, http.StatusOK)
	ts.Advance(auth.BrowserRefreshGrace) // no grace in the token flow anyway
	api.Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).ExpectError(t, 401, shared.CodeNotAuthenticated)
	api.Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).ExpectError(t, 401, shared.CodeNotAuthenticated)

	again := ts.Tokens("ann@example.com", apitest.Password)
	r := api.Do("GET", "/api/me/activity", nil, apitest.Bearer(again.Access)...)
	var resp shared.ActivityResponse
	r.Decode(t, &resp)
	want := []shared.EventType{shared.EventSignIn, shared.EventRefreshTokenReused, shared.EventSignIn, shared.EventAccountCreated}
	if got := apitest.EventTypes(resp.Events); !slices.Equal(got, want) {
		t.Fatalf("activity = %v, want %v (one reuse event however often the token comes back)", got, want)
	}
}

// An event is written in the transaction of what it records: when the
// change rolls back, so does its event, and a committed change always has
// one.
func TestActivity_EventsShareTheTransactionOfTheirChange(t *testing.T) {
	ts := newServer(t)
	b := ts.Browser()
	ann := b.Register("ann@example.com", "Ann")
	ctx := t.Context()
	count := func() int {
		events, err := ts.Store.ListEvents(ctx, store.EventFilter{UserID: ann.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(events)
	}
	before := count()

	boom := errors.New("the change fails after its event was written")
	err := ts.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateUser(ctx, &store.User{ID: ann.ID, Name: "Rolled Back"}, "name"); err != nil {
			return err
		}
		if err := ts.Auth.Activity.Record(ctx, tx, auth.Event{Type: shared.EventNameChanged, UserID: ann.ID}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || count() != before {
		t.Fatalf("after a rollback: %v, %d events (was %d)", err, count(), before)
	}
	if u, _ := ts.Store.UserByID(ctx, ann.ID); u.Name != "Ann" {
		t.Fatalf("name = %q", u.Name)
	}

	// The same through the API: a password change refused halfway (wrong
	// current password) records nothing; one that works records one.
	b.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: "wrong password!", NewPassword: "a brand new passphrase"}).
		ExpectError(t, 400, shared.CodeWrongPassword)
	if count() != before {
		t.Fatalf("a refused change left an event")
	}
	b.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "a brand new passphrase"}).
		ExpectStatus(t, http.StatusNoContent)
	if count() != before+1 {
		t.Fatalf("a change made %d events", count()-before)
	}
}

func TestActivity_RetentionSweepsOldEvents(t *testing.T) {
	ts := newServer(t, apitest.WithConfig(func(c *auth.Config) { c.EventRetention = 48 * time.Hour }))
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	ts.Advance(49 * time.Hour)
	b.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	n, err := ts.Auth.Activity.Sweep(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v; want the one event past 48h", n, err)
	}
	if got := apitest.EventTypes(b.Activity("")); !slices.Equal(got, []shared.EventType{shared.EventSignIn}) {
		t.Fatalf("left %v", got)
	}
}

// One account writing events as fast as it can (here, name changes) keeps
// only its newest Config.EventsPerAccount: the oldest go in the same
// transaction, other accounts keep theirs, and the owner's list, its
// pages, the staff view and the data export all hold exactly the kept.
func TestActivity_KeepsEachAccountsNewestEventsUpToTheCap(t *testing.T) {
	const keep = 5
	ts := newServer(t, apitest.WithConfig(func(c *auth.Config) { c.EventsPerAccount = keep }))
	ann := ts.Browser()
	annUser := ann.Register("ann@example.com", "Ann")
	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob")
	bob.Do("PATCH", "/api/me", map[string]string{"name": "Bob B"}).ExpectStatus(t, http.StatusOK)
	bobsBefore := bob.Activity("?limit=100")

	var times []time.Time     // of Ann's name changes, oldest first
	for i := range 2 * keep { // within the name-change throttle (10 an hour)
		ts.Advance(time.Second)
		ann.Do("PATCH", "/api/me", map[string]string{"name": "Ann " + strconv.Itoa(i)}).ExpectStatus(t, http.StatusOK)
		times = append(times, ts.Now().UTC().Truncate(time.Microsecond))
	}
	kept := ann.Activity("?limit=100")
	if len(kept) != keep {
		t.Fatalf("Ann has %d events, want the cap of %d: %v", len(kept), keep, apitest.EventTypes(kept))
	}
	for i, e := range kept { // newest first: the last keep name changes
		if want := times[len(times)-1-i]; e.Type != shared.EventNameChanged || !e.At.Equal(want) {
			t.Errorf("event %d = %s at %v, want name_changed at %v", i, e.Type, e.At, want)
		}
	}
	ids := func(events []shared.SecurityEvent) []string {
		var out []string
		for _, e := range events {
			out = append(out, e.ID)
		}
		return out
	}
	if got := ids(bob.Activity("?limit=100")); !slices.Equal(got, ids(bobsBefore)) || len(got) < 2 {
		t.Errorf("Bob's events changed: %v, were %v", got, ids(bobsBefore))
	}

	// Pages of two walk exactly the kept events.
	var paged []string
	for page := ann.Activity("?limit=2"); len(page) > 0; page = ann.Activity("?limit=2&before=" + page[len(page)-1].ID) {
		paged = append(paged, ids(page)...)
	}
	if !slices.Equal(paged, ids(kept)) {
		t.Errorf("pages = %v, want %v", paged, ids(kept))
	}

	// Staff see the same events of Ann's account, page by page.
	boss := ts.Browser()
	bossUser := boss.Register("boss@example.com", "Boss")
	ts.MakeStaff(bossUser.ID, false)
	var audited []string
	for before := ""; ; {
		var resp shared.AuditResponse
		boss.Do("GET", "/api/admin/events?limit=3&user_id="+annUser.ID+before, nil).Decode(t, &resp)
		if len(resp.Events) == 0 {
			break
		}
		for _, e := range resp.Events {
			audited = append(audited, e.ID)
		}
		before = "&before=" + resp.Events[len(resp.Events)-1].ID
	}
	if !slices.Equal(audited, ids(kept)) {
		t.Errorf("staff view = %v, want %v", audited, ids(kept))
	}

	var export shared.AccountExport
	ann.Do("GET", "/api/me/export", nil).Decode(t, &export)
	if got := ids(export.SecurityEvents); !slices.Equal(got, ids(kept)) {
		t.Errorf("export holds %v, want the kept %v", got, ids(kept))
	}
	var rows int
	if err := ts.Store.DB().NewSelect().Table("security_events").Where("user_id = ?", annUser.ID).ColumnExpr("count(*)").Scan(t.Context(), &rows); err != nil || rows != keep {
		t.Errorf("Ann has %d rows (%v), want %d", rows, err, keep)
	}

	// Failed sign-ins, which anyone who knows the address can cause, have
	// a cap of their own: they push none of the kept events out.
	ts.Browser().Login("ann@example.com", "not the password").ExpectError(t, 401, shared.CodeInvalidCredentials)
	eventually(t, "the failed sign-in", func() bool {
		events := ann.Activity("?limit=100")
		return len(events) == keep+1 && events[0].Type == shared.EventSignInFailed && slices.Equal(ids(events[1:]), ids(kept))
	})
}
