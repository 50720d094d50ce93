package sso_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/account"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/sso/ssotest"
	"github.com/authkit/authkit/shared"
	sharedsso "github.com/authkit/authkit/shared/sso"
)

// What the module does to accounts shows in their owners' activity (GET
// /api/me/activity, the account module's), recorded with the change.

// activity returns the browser's user's events, oldest first.
func (k *kit) activity(b *apitest.Client) []shared.SecurityEvent {
	events := b.Activity("")
	slices.Reverse(events)
	return events
}

// eventOf returns the last event of type typ, failing the test without one.
func eventOf(t *testing.T, events []shared.SecurityEvent, typ shared.EventType) shared.SecurityEvent {
	t.Helper()
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Type == typ {
			return events[i]
		}
	}
	t.Fatalf("no %s event in %v", typ, apitest.EventTypes(events))
	return shared.SecurityEvent{}
}

func TestEvents_AnAccountMadeByAProviderIsRecordedAsCreated(t *testing.T) {
	k := newKit(t, apitest.WithModules(account.Module{}))
	ann := k.signIn(person("ann"))
	events := k.activity(ann)
	if got := apitest.EventTypes(events); !slices.Equal(got, []shared.EventType{shared.EventAccountCreated, shared.EventSignIn}) {
		t.Fatalf("events = %v", got)
	}
	created := events[0]
	if created.Detail[shared.DetailMethod] != "oidc" || created.IP == "" {
		t.Fatalf("account_created = %+v", created)
	}
	// Not also "connected": the account came with it.
	if slices.Contains(apitest.EventTypes(events), sharedsso.EventIdentityConnected) {
		t.Fatalf("events = %v", apitest.EventTypes(events))
	}
}

func TestEvents_ConnectingAndDisconnectingAreRecorded(t *testing.T) {
	k := newKit(t, apitest.WithModules(account.Module{}))
	ann := k.ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	k.github.Approve(ssotest.GitHubUser{ID: 99, Login: "ann-gh", Emails: []ssotest.GitHubEmail{{Email: "ann@work.example", Primary: true, Verified: true}}})
	if got := k.walk(ann, "/api/auth/oauth/github/start?link=1"); got != "/profile?connected=github" {
		t.Fatalf("landed on %q", got)
	}
	connected := eventOf(t, k.activity(ann), sharedsso.EventIdentityConnected)
	if connected.Detail[shared.DetailProvider] != "GitHub" || connected.IP == "" {
		t.Fatalf("identity_connected = %+v", connected)
	}
	if got := connected.Describe(); !strings.HasPrefix(got, "Connected a sign-in account at GitHub from ") {
		t.Fatalf("described as %q", got)
	}

	// Connecting it again changes nothing, and records nothing.
	k.github.Approve(ssotest.GitHubUser{ID: 99, Login: "ann-gh"})
	k.walk(ann, "/api/auth/oauth/github/start?link=1")
	before := len(k.activity(ann))

	id := k.identities(ann)[0]
	ann.Do("DELETE", "/api/me/identities/"+id.ID, nil).ExpectStatus(t, http.StatusNoContent)
	events := k.activity(ann)
	if len(events) != before+1 || events[len(events)-1].Type != sharedsso.EventIdentityDisconnected ||
		events[len(events)-1].Detail[shared.DetailProvider] != "GitHub" {
		t.Fatalf("events after disconnecting = %+v", events)
	}
	if n := countOf(events, sharedsso.EventIdentityConnected); n != 1 {
		t.Fatalf("%d identity_connected events", n)
	}
}

// TestEvents_ASignInThatConnectsAnExistingAccountIsRecorded: rule 3, a
// verified address on both sides, connects the provider account to the
// existing account as it signs in.
func TestEvents_ASignInThatConnectsAnExistingAccountIsRecorded(t *testing.T) {
	k := newKit(t, apitest.WithModules(account.Module{}))
	owner := k.ts.Browser().Register("ann@example.com", "Ann")
	k.verify(owner.ID)
	b := k.signIn(person("ann"))
	events := k.activity(b)
	connected := eventOf(t, events, sharedsso.EventIdentityConnected)
	if connected.Detail[shared.DetailProvider] != "Company SSO" {
		t.Fatalf("identity_connected = %+v", connected)
	}
	if n := countOf(events, shared.EventAccountCreated); n != 1 { // the registration's
		t.Fatalf("%d account_created events", n)
	}
	// Then the sign-in.
	if events[len(events)-1].Type != shared.EventSignIn || events[len(events)-1].Detail[shared.DetailMethod] != "oidc" {
		t.Fatalf("events = %+v", events)
	}
}

// TestEvents_ARefusedDisconnectionRecordsNothing: the event is written in
// the transaction of the change, so a refusal leaves no trace of one.
func TestEvents_ARefusedDisconnectionRecordsNothing(t *testing.T) {
	k := newKit(t, apitest.WithModules(account.Module{}))
	ann := k.signIn(person("ann"))
	only := k.identities(ann)[0]
	ann.Do("DELETE", "/api/me/identities/"+only.ID, nil).ExpectError(t, http.StatusBadRequest, shared.CodeLastLoginMethod)
	if n := countOf(k.activity(ann), sharedsso.EventIdentityDisconnected); n != 0 {
		t.Fatalf("%d identity_disconnected events", n)
	}
}

func countOf(events []shared.SecurityEvent, typ shared.EventType) int {
	n := 0
	for _, e := range events {
		if e.Type == typ {
			n++
		}
	}
	return n
}
