package sso_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/sso"
	"github.com/authkit/authkit/server/sso/ssotest"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
	sharedsso "github.com/authkit/authkit/shared/sso"
)

// Connecting provider accounts from the profile, and disconnecting them.

func TestConnect_ASignedInUserConnectsAProviderAccountWithAnyEmail(t *testing.T) {
	k := newKit(t)
	ann := k.ts.Browser()
	account := ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	k.github.Approve(ssotest.GitHubUser{ID: 99, Login: "ann-gh", Emails: []ssotest.GitHubEmail{{Email: "ann@work.example", Primary: true, Verified: true}}})
	if got := k.walk(ann, "/api/auth/oauth/github/start?link=1"); got != "/profile?connected=github" {
		t.Fatalf("landed on %q", got)
	}
	ids := k.identities(ann)
	if len(ids) != 1 || ids[0].Provider != "github" || ids[0].Email != "ann@work.example" {
		t.Fatalf("identities = %+v", ids)
	}
	if got := k.ts.MailSubjects("ann@example.com"); !slices.Contains(got, "A GitHub account was connected to your account") {
		t.Fatalf("mail = %q", got)
	}
	// Signing in with it now leads to Ann's account.
	b := k.ts.Browser()
	k.github.Approve(ssotest.GitHubUser{ID: 99, Login: "ann-gh"})
	if got := k.walk(b, "/api/auth/oauth/github/start"); got != "/profile" {
		t.Fatalf("landed on %q", got)
	}
	if u := k.me(b); u.ID != account.ID {
		t.Fatalf("signed in as %+v", u)
	}
}

// TestConnect_NeedsARecentSession: connecting adds a way into the
// account, so it needs what the kit's sensitive actions need: a session
// that signed in or re-authenticated within the re-authentication window.
// Re-authenticating (POST /api/auth/reauth, what the app's dialog sends)
// unlocks it; logging out and in is not needed.
func TestConnect_NeedsARecentSession(t *testing.T) {
	k := newKit(t)
	ann := k.ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	k.ts.Advance(11 * time.Minute)
	ann.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK) // a fresh access token, the same old session
	r := ann.Visit("/api/auth/oauth/oidc/start?link=1")
	r.ExpectStatus(t, http.StatusFound)
	expectFailure(t, r.Header.Get("Location"), "/profile", sharedsso.FailureRecentLoginRequired, "oidc")
	if n := len(k.idp.AuthorizeRequests()); n != 0 {
		t.Fatalf("the browser was sent to the provider %d times", n)
	}

	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
	k.idp.Approve(person("ann"))
	if got := k.walk(ann, "/api/auth/oauth/oidc/start?link=1"); got != "/profile?connected=oidc" {
		t.Fatalf("landed on %q", got)
	}
}

// TestConnect_NeedsAConfirmedAddress: someone who signs up with another
// person's address cannot connect a provider account of their own, to
// keep the account after its owner takes it back (pre-hijacking).
func TestConnect_NeedsAConfirmedAddress(t *testing.T) {
	k := newKit(t)
	squatter := k.ts.Browser()
	squatter.Register("ann@example.com", "Not Ann")
	r := squatter.Visit("/api/auth/oauth/oidc/start?link=1")
	r.ExpectStatus(t, http.StatusFound)
	expectFailure(t, r.Header.Get("Location"), "/profile", sharedsso.FailureEmailUnverified, "oidc")
	if n := len(k.idp.AuthorizeRequests()); n != 0 {
		t.Fatalf("the browser was sent to the provider %d times", n)
	}

	squatter.ConfirmEmail() // the owner's mailbox says yes: then it may
	k.idp.Approve(person("ann"))
	if got := k.walk(squatter, "/api/auth/oauth/oidc/start?link=1"); got != "/profile?connected=oidc" {
		t.Fatalf("landed on %q", got)
	}
}

// TestConnect_FollowsTheReauthWindow: the window is the server's
// --reauth-window, not a number of the module's own.
func TestConnect_FollowsTheReauthWindow(t *testing.T) {
	k := newKit(t, apitest.WithConfig(func(c *auth.Config) { c.ReauthWindow = time.Hour }))
	ann := k.ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	k.ts.Advance(50 * time.Minute)
	ann.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	k.idp.Approve(person("ann"))
	if got := k.walk(ann, "/api/auth/oauth/oidc/start?link=1"); got != "/profile?connected=oidc" {
		t.Fatalf("landed on %q", got)
	}

	k.ts.Advance(11 * time.Minute)
	ann.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	r := ann.Visit("/api/auth/oauth/google/start?link=1")
	r.ExpectStatus(t, http.StatusFound)
	expectFailure(t, r.Header.Get("Location"), "/profile", sharedsso.FailureRecentLoginRequired, "google")
}

func TestConnect_WithoutASessionLeadsToTheLoginForm(t *testing.T) {
	k := newKit(t)
	r := k.ts.Browser().Visit("/api/auth/oauth/oidc/start?link=1")
	r.ExpectStatus(t, http.StatusFound)
	if got := r.Header.Get("Location"); got != "/login?next=/profile" {
		t.Fatalf("Location = %q", got)
	}
}

// TestConnect_TheSessionMustOutliveTheTrip: logging out while at the
// provider voids the connection.
func TestConnect_TheSessionMustOutliveTheTrip(t *testing.T) {
	k := newKit(t)
	ann := k.ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	k.idp.Approve(person("ann"))
	atProvider := k.toProvider(ann, "/api/auth/oauth/oidc/start?link=1")
	ann.Do("POST", "/api/auth/logout", nil).ExpectStatus(t, http.StatusNoContent)
	expectFailure(t, k.finish(ann, k.toCallback(ann, atProvider)), "/profile", sharedsso.FailureLoginRequired, "oidc")
}

func TestConnect_AProviderAccountBelongsToOneUser(t *testing.T) {
	k := newKit(t)
	k.signIn(person("ann")) // Ann's provider account makes Ann's account
	bob := k.ts.Browser()
	bob.Register("bob@example.com", "Bob")
	bob.ConfirmEmail()
	k.idp.Approve(person("ann"))
	expectFailure(t, k.walk(bob, "/api/auth/oauth/oidc/start?link=1"), "/profile", sharedsso.FailureIdentityTaken, "oidc")
	if ids := k.identities(bob); len(ids) != 0 {
		t.Fatalf("Bob's identities = %+v", ids)
	}
	// Connecting one's own again changes nothing.
	ann := k.signIn(person("ann"))
	k.idp.Approve(person("ann"))
	if got := k.walk(ann, "/api/auth/oauth/oidc/start?link=1"); got != "/profile?connected=oidc" {
		t.Fatalf("landed on %q", got)
	}
	if ids := k.identities(ann); len(ids) != 1 {
		t.Fatalf("identities = %+v", ids)
	}
}

// TestDisconnect_KeepsTheLastWayIn: an account without a password keeps
// its last provider account; with another one, or a password, it may go.
func TestDisconnect_KeepsTheLastWayIn(t *testing.T) {
	k := newKit(t)
	ann := k.signIn(person("ann"))
	only := k.identities(ann)[0]
	ann.Do("DELETE", "/api/me/identities/"+only.ID, nil).ExpectError(t, http.StatusBadRequest, shared.CodeLastLoginMethod)

	k.github.Approve(ssotest.GitHubUser{ID: 5, Login: "ann"})
	if got := k.walk(ann, "/api/auth/oauth/github/start?link=1"); got != "/profile?connected=github" {
		t.Fatalf("landed on %q", got)
	}
	ann.Do("DELETE", "/api/me/identities/"+only.ID, nil).ExpectStatus(t, http.StatusNoContent)
	ids := k.identities(ann)
	if len(ids) != 1 || ids[0].Provider != "github" {
		t.Fatalf("identities = %+v", ids)
	}
	if got := k.ts.MailSubjects("ann@example.com"); !slices.Contains(got, "A Company SSO account was disconnected from your account") {
		t.Fatalf("mail = %q", got)
	}
	ann.Do("DELETE", "/api/me/identities/"+ids[0].ID, nil).ExpectError(t, http.StatusBadRequest, shared.CodeLastLoginMethod)

	// The disconnected provider account is a stranger now: signing in
	// with it finds Ann's verified email and connects it again, and tells
	// her.
	k.idp.Approve(person("ann"))
	if got := k.walk(k.ts.Browser(), "/api/auth/oauth/oidc/start"); got != "/profile" {
		t.Fatalf("landed on %q", got)
	}
	if got := k.ts.MailSubjects("ann@example.com"); !slices.Contains(got, "A Company SSO account was connected to your account") {
		t.Fatalf("mail = %q", got)
	}
}

func TestDisconnect_WithAPasswordTheLastProviderAccountMayGo(t *testing.T) {
	k := newKit(t)
	ann := k.ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	k.idp.Approve(person("ann"))
	k.walk(ann, "/api/auth/oauth/oidc/start?link=1")
	ids := k.identities(ann)
	ann.Do("DELETE", "/api/me/identities/"+ids[0].ID, nil).ExpectStatus(t, http.StatusNoContent)
	if ids := k.identities(ann); len(ids) != 0 {
		t.Fatalf("identities = %+v", ids)
	}
}

func TestDisconnect_AnotherUsersIdentityIsNotFound(t *testing.T) {
	k := newKit(t)
	ann := k.signIn(person("ann"))
	k.github.Approve(ssotest.GitHubUser{ID: 5, Login: "ann"})
	k.walk(ann, "/api/auth/oauth/github/start?link=1")
	annsID := k.identities(ann)[0].ID

	bob := k.ts.Browser()
	bob.Register("bob@example.com", "Bob")
	bob.ConfirmEmail()
	bob.Do("DELETE", "/api/me/identities/"+annsID, nil).ExpectError(t, http.StatusNotFound, shared.CodeNotFound)
	bob.Do("DELETE", "/api/me/identities/nope", nil).ExpectError(t, http.StatusNotFound, shared.CodeNotFound)
	if n := len(k.identities(ann)); n != 2 {
		t.Fatalf("Ann has %d identities", n)
	}
	// Signed out, or without the CSRF header, nothing happens.
	k.ts.Browser().Do("DELETE", "/api/me/identities/"+annsID, nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	ann.Do("DELETE", "/api/me/identities/"+annsID, nil, shared.CSRFHeader, "").ExpectError(t, http.StatusForbidden, shared.CodeCSRFFailed)
	k.ts.Browser().Do("GET", "/api/me/identities", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
}

// TestDisconnect_APasskeyIsAWayIn: an account made by a provider that has
// since got a passkey can let its only provider account go; an
// authenticator app, a second factor, is no way in by itself. The
// passkeys are a stand-in module's, counted as the passkeys module's are
// (a way in registered with the core, auth.WaysIn), so this module's
// tests never name that one.
func TestDisconnect_APasskeyIsAWayIn(t *testing.T) {
	keys := &passkeysStandIn{count: map[string]int{}}
	k := newKit(t, apitest.WithModules(httpapi.NewModule("passkeys", keys.mount)))
	ann := k.signIn(person("ann"))
	only := k.identities(ann)[0]
	id := k.me(ann).ID

	k.markFactor(id, "totp")
	ann.Do("DELETE", "/api/me/identities/"+only.ID, nil).ExpectError(t, http.StatusBadRequest, shared.CodeLastLoginMethod)

	keys.add(id)
	ann.Do("DELETE", "/api/me/identities/"+only.ID, nil).ExpectStatus(t, http.StatusNoContent)
	if ids := k.identities(ann); len(ids) != 0 {
		t.Fatalf("identities = %+v", ids)
	}
}

// passkeysStandIn is a module with a login method of its own, as the
// passkeys module has: it registers how many each user has.
type passkeysStandIn struct {
	mu    sync.Mutex
	count map[string]int
}

func (p *passkeysStandIn) mount(k *httpapi.Kit) ([]httpapi.Route, error) {
	k.RegisterWayIn(auth.MethodPasskey, func(_ context.Context, _ *store.Store, userID string) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.count[userID], nil
	})
	return nil, nil
}

func (p *passkeysStandIn) add(userID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count[userID]++
}

// markFactor records that the user has set up a factor, as its module
// does (auth.Factors.Mark in the transaction that adds it, then Changed).
func (k *kit) markFactor(userID, method string) {
	k.t.Helper()
	ctx := k.t.Context()
	err := k.ts.Store.InTx(ctx, func(tx *store.Store) error {
		return k.ts.Auth.Factors.Mark(ctx, tx, userID, method, true)
	})
	if err != nil {
		k.t.Fatal(err)
	}
	k.ts.Auth.Factors.Changed(ctx, userID)
}

// TestConnect_OnlyFromThisSitesPages: a page on another site may send a
// signed-in visitor to start?link=1 (SameSite=Lax lets the cookies
// through on a navigation); Fetch Metadata tells the server, which starts
// nothing. The profile's own link, same-origin, works.
func TestConnect_OnlyFromThisSitesPages(t *testing.T) {
	k := newKit(t)
	ann := k.ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	for _, site := range []string{"cross-site", "same-site"} {
		ann.Visit("/api/auth/oauth/oidc/start?link=1", "Sec-Fetch-Site", site).ExpectError(t, http.StatusForbidden, shared.CodeCSRFFailed)
	}
	if n := len(k.idp.AuthorizeRequests()); n != 0 {
		t.Fatalf("the browser was sent to the provider %d times", n)
	}
	r := ann.Visit("/api/auth/oauth/oidc/start?link=1", "Sec-Fetch-Site", "same-origin")
	r.ExpectStatus(t, http.StatusFound)
	if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, k.idp.URL) {
		t.Fatalf("Location = %q, want the provider", loc)
	}
}

// TestDisconnect_AProviderNoLongerOfferedIsNoWayIn: an account made by
// the company's provider also connected GitHub, which the server has
// stopped offering since. That connection signs nobody in any more, so it
// does not count as a way in: the company's provider account is the last
// one and stays.
func TestDisconnect_AProviderNoLongerOfferedIsNoWayIn(t *testing.T) {
	k := newKit(t)
	ann := k.signIn(person("ann"))
	k.github.Approve(ssotest.GitHubUser{ID: 5, Login: "ann"})
	if got := k.walk(ann, "/api/auth/oauth/github/start?link=1"); got != "/profile?connected=github" {
		t.Fatalf("landed on %q", got)
	}

	withoutGitHub := &sso.Module{OIDC: k.module.OIDC}
	later := &kit{t: t, ts: k.ts.SecondInstance(apitest.WithModules(withoutGitHub)), idp: k.idp, module: withoutGitHub}
	ann = later.signIn(person("ann"))
	var company string
	for _, id := range later.identities(ann) {
		if id.Provider == "oidc" {
			company = id.ID
		}
	}
	ann.Do("DELETE", "/api/me/identities/"+company, nil).ExpectError(t, http.StatusBadRequest, shared.CodeLastLoginMethod)
	if n := len(later.identities(ann)); n != 2 {
		t.Fatalf("Ann has %d identities", n)
	}
}
