package sso

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/app/internal/pagetest"
	"github.com/authkit/authkit/shared"
	"github.com/authkit/authkit/shared/sso"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The tests register the app's routes with this module plugged in, as
// main does.
func init() { app.Routes(Module()) }

func TestFailures_EachIsExplainedInWordsNamingTheProvider(t *testing.T) {
	all := []sso.Failure{
		sso.FailureInvalidState, sso.FailureCancelled, sso.FailureProvider, sso.FailureInvalidToken,
		sso.FailureEmailMissing, sso.FailureAccountExists, sso.FailureAccountDisabled, sso.FailureIdentityTaken,
		sso.FailureRecentLoginRequired, sso.FailureLoginRequired, sso.FailureServer,
	}
	fallback := failureText("no_such_failure", "GitHub")
	seen := map[string]bool{}
	for _, f := range all {
		text := failureText(f, "GitHub")
		if text == fallback || seen[text] {
			t.Errorf("%s has no words of its own: %q", f, text)
		}
		seen[text] = true
	}
	if got := failureText(sso.FailureAccountExists, "GitHub"); !strings.Contains(got, "Log in with your password, then connect GitHub from your profile") {
		t.Errorf("account_exists says %q", got)
	}
}

func TestSignInPages_PrerenderWithoutProvidersAndNothingDisabled(t *testing.T) {
	for _, path := range []string{"/login", "/register", "/login?error=account_exists&provider=github"} {
		code, body := pagetest.Prerender(t, path)
		if code != http.StatusOK || !strings.Contains(body, `id="sign-in-providers"`) {
			t.Errorf("%s: status %d, or no place for the providers' buttons", path, code)
		}
		if strings.Contains(body, "disabled") {
			t.Errorf("%s: a disabled element before the app runs", path)
		}
	}
}

func TestSignInButtons_LinkToTheServerWithNextAndExplainAFailure(t *testing.T) {
	b := newSignInButtons(nil, "/login")
	b.providers = []sso.LoginProvider{{ID: "oidc", Name: "Company SSO"}, {ID: "github", Name: "GitHub"}}
	b.next, b.failure, b.failedID = "/notes", sso.FailureAccountExists, "github"
	html := goapp.HTMLString(b.Render())
	for _, want := range []map[string]string{
		{"id": "sign-in-oidc", "href": "/api/auth/oauth/oidc/start?next=%2Fnotes"},
		{"id": "sign-in-github", "href": "/api/auth/oauth/github/start?next=%2Fnotes"},
	} {
		if !pagetest.HasTag(html, "a", want) {
			t.Errorf("no link %v in %s", want, html)
		}
	}
	for _, want := range []string{"Sign in with Company SSO", "connect GitHub from your profile", `role="alert"`} {
		if !strings.Contains(html, want) {
			t.Errorf("the buttons lack %q", want)
		}
	}
	register := newSignInButtons(nil, "/register")
	register.providers = b.providers
	if html := goapp.HTMLString(register.Render()); !strings.Contains(html, "Sign up with GitHub") || strings.Contains(html, "next=") {
		t.Errorf("register buttons: %s", html)
	}
	// With no provider there is nothing to click, and no "or".
	if html := goapp.HTMLString(newSignInButtons(nil, "/login").Render()); strings.Contains(html, "<a") || strings.Contains(html, "divider") {
		t.Errorf("buttons without providers: %s", html)
	}
}

func connectedCard(hasPassword bool, ids ...sso.Identity) *connectedAccounts {
	c := newConnectedAccounts(nil)
	c.loaded, c.User = true, &shared.User{Email: "ann@example.com", EmailVerified: true, HasPassword: hasPassword}
	c.providers = []sso.LoginProvider{{ID: "oidc", Name: "Company SSO"}, {ID: "github", Name: "GitHub"}}
	c.identities = ids
	return c
}

func identity(id, provider, name string) sso.Identity {
	return sso.Identity{ID: id, Provider: provider, ProviderName: name, Email: "ann@example.com",
		CreatedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
}

func TestConnectedAccounts_ListsDisconnectsAndOffersTheOthers(t *testing.T) {
	html := goapp.HTMLString(connectedCard(true, identity("i1", "github", "GitHub")).Render())
	if !pagetest.HasTag(html, "a", map[string]string{"id": "connect-oidc", "href": "/api/auth/oauth/oidc/start?link=1"}) {
		t.Errorf("no link to connect the company's SSO: %s", html)
	}
	if strings.Contains(html, `id="connect-github"`) {
		t.Error("offers to connect GitHub, which is connected")
	}
	if !pagetest.HasTag(html, "button", map[string]string{"id": "disconnect-i1", "aria-label": "Disconnect GitHub ann@example.com"}) {
		t.Errorf("no disconnect button: %s", html)
	}
}

// TestConnectedAccounts_AnUnconfirmedAddressConnectsNothing: the server
// refuses to connect an account until the address is confirmed, so the
// card says so in place of the links.
func TestConnectedAccounts_AnUnconfirmedAddressConnectsNothing(t *testing.T) {
	c := connectedCard(true, identity("i1", "github", "GitHub"))
	c.User.EmailVerified = false
	html := goapp.HTMLString(c.Render())
	if strings.Contains(html, `id="connect-oidc"`) || !strings.Contains(html, `id="connect-needs-confirmed-email"`) {
		t.Errorf("an unconfirmed user's card: %s", html)
	}
	if !pagetest.HasTag(html, "button", map[string]string{"id": "disconnect-i1", "aria-label": "Disconnect GitHub ann@example.com"}) {
		t.Errorf("no disconnect button: %s", html)
	}
}

// TestConnectedAccounts_TheLastWayInCannotBeDisconnected: without a
// password, the only connected account has no Disconnect button.
func TestConnectedAccounts_TheLastWayInCannotBeDisconnected(t *testing.T) {
	html := goapp.HTMLString(connectedCard(false, identity("i1", "oidc", "Company SSO")).Render())
	if strings.Contains(html, `id="disconnect-i1"`) || !strings.Contains(html, "Your only way to sign in") {
		t.Errorf("the last way in: %s", html)
	}
	html = goapp.HTMLString(connectedCard(false, identity("i1", "oidc", "Company SSO"), identity("i2", "github", "GitHub")).Render())
	if !strings.Contains(html, `id="disconnect-i1"`) || !strings.Contains(html, `id="disconnect-i2"`) {
		t.Errorf("two ways in, each may go: %s", html)
	}
}

func TestConnectedAccounts_HiddenWhenThereIsNothingToShow(t *testing.T) {
	c := newConnectedAccounts(nil)
	c.loaded, c.User = true, &shared.User{HasPassword: true}
	if html := goapp.HTMLString(c.Render()); strings.Contains(html, "Connected accounts") {
		t.Errorf("an empty card shows: %s", html)
	}
}

func TestConnectedAccounts_SaysHowTheConnectionWent(t *testing.T) {
	providers := []sso.LoginProvider{{ID: "github", Name: "GitHub"}}
	ann := shared.User{HasPassword: true}
	if n := (outcome{connected: "github"}).notice(nil, providers, ann); n.Kind != "success" || !strings.Contains(n.Text, "GitHub is connected") {
		t.Errorf("connected: %+v", n)
	}
	n := (outcome{failure: sso.FailureIdentityTaken, provider: "github"}).notice(nil, providers, ann)
	if n.Kind != "error" || n.Text != failureText(sso.FailureIdentityTaken, "GitHub") {
		t.Errorf("identity_taken: %+v", n)
	}
	// Without a password or an authenticator app, and with no module
	// offering a proof (none is plugged in here), the dialog could take no
	// proof: signing in again is the way.
	n = (outcome{failure: sso.FailureRecentLoginRequired, provider: "github"}).notice(nil, providers, shared.User{HasPasskeys: true})
	if !strings.Contains(n.Text, "sign in again first") {
		t.Errorf("recent_login_required without a password: %+v", n)
	}
}

// TestConnectedAccounts_ARecentSessionIsAskedForInTheDialog: sent back
// for want of a recent session, the card asks for the password in the
// re-authentication dialog rather than telling the person to log out.
func TestConnectedAccounts_ARecentSessionIsAskedForInTheDialog(t *testing.T) {
	c := connectedCard(true)
	came := outcome{failure: sso.FailureRecentLoginRequired, provider: "github"}
	c.notice = came.notice(nil, c.providers, *c.User)
	c.confirmToConnect(came)
	html := goapp.HTMLString(c.Render())
	if !strings.Contains(html, `id="connect-reauth-dialog"`) || !strings.Contains(html, `id="connect-reauth-password"`) {
		t.Errorf("no re-authentication dialog: %s", html)
	}
	if !strings.Contains(html, "first confirm it") || strings.Contains(html, "Log out") {
		t.Errorf("the notice: %s", html)
	}

	// Without a password or an authenticator app there is nothing to ask.
	c = connectedCard(false, identity("i1", "oidc", "Company SSO"))
	c.confirmToConnect(came)
	if html := goapp.HTMLString(c.Render()); strings.Contains(html, `id="connect-reauth-dialog"`) {
		t.Errorf("a dialog that cannot be answered: %s", html)
	}
	// Nor for a provider the server does not offer.
	c = connectedCard(true)
	c.confirmToConnect(outcome{failure: sso.FailureRecentLoginRequired, provider: "nope"})
	if html := goapp.HTMLString(c.Render()); strings.Contains(html, `id="connect-reauth-dialog"`) {
		t.Errorf("a dialog for an unknown provider: %s", html)
	}
}

// TestConnectedAccounts_APasskeyIsAWayIn: with a passkey, the only
// connected account may go.
func TestConnectedAccounts_APasskeyIsAWayIn(t *testing.T) {
	c := connectedCard(false, identity("i1", "oidc", "Company SSO"))
	c.User.HasPasskeys = true
	if html := goapp.HTMLString(c.Render()); !strings.Contains(html, `id="disconnect-i1"`) {
		t.Errorf("with a passkey: %s", html)
	}
}

type mountedCard struct{ *connectedAccounts }

// OnPreRender is where go-app natively calls what a browser calls in
// OnMount: the card loads in the background and applies the answers as in
// the browser (engine.ConsumeAll waits for them).
func (m *mountedCard) OnPreRender(ctx goapp.Context) { m.OnMount(ctx); mountedCtx = ctx }

// mountedCtx is the context of the card mounted last, for a test to
// press its buttons with.
var mountedCtx goapp.Context

// TestConnectedAccounts_LearnsOfAPasskeyAddedInAnotherCard: an account
// whose only way in is its connected account may disconnect it once a
// passkey has been added in the passkeys card (which says so with
// Client.UserChanged), without a reload.
func TestConnectedAccounts_LearnsOfAPasskeyAddedInAnotherCard(t *testing.T) {
	var mu sync.Mutex
	user := shared.User{ID: "u1", Email: "pat@example.com", EmailVerified: true}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/me":
			json.NewEncoder(w).Encode(shared.UserResponse{User: user})
		case "/api/auth/providers":
			json.NewEncoder(w).Encode(sso.LoginProvidersResponse{Providers: []sso.LoginProvider{{ID: "oidc", Name: "Company SSO"}}})
		case "/api/me/identities":
			json.NewEncoder(w).Encode(sso.IdentitiesResponse{Identities: []sso.Identity{identity("i1", "oidc", "Company SSO")}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	api := app.NewClient(srv.URL, app.HTTPSender(srv.Client()), func() string { return "" })
	c := newConnectedAccounts(api)
	engine := goapp.NewTestEngine()
	if err := engine.Load(&mountedCard{c}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	if html := goapp.HTMLString(c.Render()); strings.Contains(html, `id="disconnect-i1"`) || !strings.Contains(html, "Your only way to sign in") {
		t.Fatalf("the only way in, before the passkey: %s", html)
	}

	mu.Lock()
	user.HasPasskeys = true
	mu.Unlock()
	api.UserChanged() // as the passkeys card's call does
	engine.ConsumeAll()
	if html := goapp.HTMLString(c.Render()); !strings.Contains(html, `id="disconnect-i1"`) {
		t.Errorf("with a passkey added in another card: %s", html)
	}
}

// TestConnectedAccounts_ASessionOverLeadsToTheLoginForm: disconnecting
// when the session has ended (and no refresh cures it) leads to the login
// form, which comes back to the profile, as the other cards do, rather
// than leaving "log in" in the confirmation.
func TestConnectedAccounts_ASessionOverLeadsToTheLoginForm(t *testing.T) {
	var mu sync.Mutex
	over := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case over:
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(shared.ErrorBody{Error: shared.NewError(shared.CodeNotAuthenticated, "Your session has ended. Please log in again.")})
		case r.URL.Path == "/api/me":
			json.NewEncoder(w).Encode(shared.UserResponse{User: shared.User{ID: "u1", Email: "ann@example.com", EmailVerified: true, HasPassword: true}})
		case r.URL.Path == "/api/auth/providers":
			json.NewEncoder(w).Encode(sso.LoginProvidersResponse{Providers: []sso.LoginProvider{{ID: "oidc", Name: "Company SSO"}}})
		case r.URL.Path == "/api/me/identities":
			json.NewEncoder(w).Encode(sso.IdentitiesResponse{Identities: []sso.Identity{identity("i1", "oidc", "Company SSO")}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	c := newConnectedAccounts(app.NewClient(srv.URL, app.HTTPSender(srv.Client()), func() string { return "" }))
	engine := goapp.NewTestEngine()
	if err := engine.Load(&mountedCard{c}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	if len(c.identities) != 1 {
		t.Fatalf("the card did not load: %v", c.loadErr)
	}
	mu.Lock()
	over = true
	mu.Unlock()

	c.askDisconnect("i1")
	c.disconnect(mountedCtx, goapp.Event{}, "Company SSO", c.identities[0])
	engine.ConsumeAll()
	if c.User != nil || c.disconnection.Notice.Kind != "" {
		t.Errorf("disconnecting with the session over: user %v, notice %+v; want the login form", c.User, c.disconnection.Notice)
	}
}

// TestConnectedAccounts_ConnectingRefreshesTheSessionFirst: the server
// checks the access cookie when the browser leaves to connect an account,
// and a navigation cannot refresh it: a token still good when the page
// last used it may lapse on the way, and the server then sends the browser
// to the login form. So the card refreshes the session before it leaves,
// even with a token the server still takes.
func TestConnectedAccounts_ConnectingRefreshesTheSessionFirst(t *testing.T) {
	var mu sync.Mutex
	var refreshes int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/me":
			json.NewEncoder(w).Encode(shared.UserResponse{User: shared.User{ID: "u1", Email: "ann@example.com", EmailVerified: true, HasPassword: true}})
		case "/api/auth/providers":
			json.NewEncoder(w).Encode(sso.LoginProvidersResponse{Providers: []sso.LoginProvider{{ID: "oidc", Name: "Company SSO"}}})
		case "/api/me/identities":
			json.NewEncoder(w).Encode(sso.IdentitiesResponse{})
		case "/api/auth/refresh":
			refreshes++
			json.NewEncoder(w).Encode(shared.UserResponse{User: shared.User{ID: "u1"}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	c := newConnectedAccounts(app.NewClient(srv.URL, app.HTTPSender(srv.Client()), func() string { return "" }))
	engine := goapp.NewTestEngine()
	if err := engine.Load(&mountedCard{c}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	c.connect(mountedCtx, "oidc")
	engine.ConsumeAll()
	mu.Lock()
	defer mu.Unlock()
	if refreshes != 1 || c.connecting != "" || c.notice.Kind != "" {
		t.Errorf("connecting: %d refreshes (want 1), still connecting %q, notice %+v", refreshes, c.connecting, c.notice)
	}
}

// returningCard mounts the card as the profile shows it when the browser
// comes back from a connection at the address back (natively go-app calls
// OnPreRender where a browser calls OnMount).
type returningCard struct {
	*connectedAccounts
	back string
}

func (m *returningCard) OnPreRender(ctx goapp.Context) {
	u, _ := url.Parse(m.back)
	ctx.Page().ReplaceURL(u)
	m.OnMount(ctx)
}

// TestConnectedAccounts_AnAccountWithoutAPasswordIsAskedForItsCode: an
// account made by a provider, with an authenticator app and no password,
// comes back from connecting GitHub for want of a recent session. The
// dialog it opens must ask for a code, as it does when the same account
// presses any other sensitive button: there is no password to type, and
// (without one) no switch to the code is offered.
func TestConnectedAccounts_AnAccountWithoutAPasswordIsAskedForItsCode(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/me":
			json.NewEncoder(w).Encode(shared.UserResponse{User: shared.User{ID: "u1", Email: "pat@example.com", EmailVerified: true, TOTPEnabled: true}})
		case "/api/auth/providers":
			json.NewEncoder(w).Encode(sso.LoginProvidersResponse{Providers: []sso.LoginProvider{{ID: "oidc", Name: "Company SSO"}, {ID: "github", Name: "GitHub"}}})
		case "/api/me/identities":
			json.NewEncoder(w).Encode(sso.IdentitiesResponse{Identities: []sso.Identity{identity("i1", "oidc", "Company SSO")}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	c := newConnectedAccounts(app.NewClient(srv.URL, app.HTTPSender(srv.Client()), func() string { return "" }))
	engine := goapp.NewTestEngine()
	if err := engine.Load(&returningCard{c, "/profile?error=recent_login_required&provider=github"}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	html := goapp.HTMLString(c.Render())
	if !strings.Contains(html, `id="connect-reauth-dialog"`) {
		t.Fatalf("no re-authentication dialog: %s", html)
	}
	if strings.Contains(html, `id="connect-reauth-password"`) || !strings.Contains(html, `id="connect-reauth-code"`) {
		t.Errorf("the dialog asks an account without a password for its password (code box: %v, a switch to it: %v); text: %q",
			strings.Contains(html, `id="connect-reauth-code"`), strings.Contains(html, `id="connect-reauth-switch"`),
			pagetest.TextByID(html, "connect-reauth-text"))
	}
}
