package account_test

import (
	"errors"
	"net/http"
	"slices"
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
