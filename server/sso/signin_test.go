package sso_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/sso"
	"github.com/authkit/authkit/server/sso/ssotest"
	"github.com/authkit/authkit/shared"
	sharedsso "github.com/authkit/authkit/shared/sso"
)

func TestProviders_ListsTheConfiguredOnesInButtonOrder(t *testing.T) {
	k := newKit(t)
	var body sharedsso.LoginProvidersResponse
	k.ts.TokenClient().Do("GET", "/api/auth/providers", nil).Decode(t, &body)
	want := []sharedsso.LoginProvider{{ID: "oidc", Name: "Company SSO"}, {ID: "google", Name: "Google"}, {ID: "github", Name: "GitHub"}}
	if !slices.Equal(body.Providers, want) {
		t.Fatalf("providers = %+v", body.Providers)
	}
}

func TestProviders_AnUnconfiguredProviderDoesNotExist(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithModules(&sso.Module{}))
	r := ts.TokenClient().Do("GET", "/api/auth/providers", nil)
	r.ExpectStatus(t, http.StatusOK)
	if got := strings.TrimSpace(string(r.Body)); got != `{"providers":[]}` {
		t.Fatalf("body = %s", got)
	}
	b := ts.Browser()
	for _, path := range []string{"/api/auth/oauth/oidc/start", "/api/auth/oauth/github/callback?code=x&state=y", "/api/auth/oauth/nope/start"} {
		b.Visit(path).ExpectError(t, http.StatusNotFound, shared.CodeNotFound)
	}
}

func TestSettings_HalfConfiguredOrPlainHTTPProvidersStopTheServer(t *testing.T) {
	cases := map[string]sso.Module{
		"issuer without client id": {OIDC: sso.OIDCSettings{Issuer: "https://sso.example.com"}},
		"client id without issuer": {OIDC: sso.OIDCSettings{ClientID: "x"}},
		"plain http elsewhere":     {OIDC: sso.OIDCSettings{Issuer: "http://sso.example.com", ClientID: "x"}},
		"github secret alone":      {GitHub: sso.GitHubSettings{ClientSecret: "x"}},
		"not a URL":                {OIDC: sso.OIDCSettings{Issuer: "sso.example.com", ClientID: "x"}},
	}
	for name, m := range cases {
		if _, err := m.Mount(&httpapi.Kit{Now: time.Now}); err == nil {
			t.Errorf("%s: Mount accepted it", name)
		}
	}
}

// TestSignIn_StartSendsStatePKCEAndNonceAndBindsThemToTheBrowser: the
// authorize request carries a fresh state, an S256 PKCE challenge and a
// nonce, and the state rides in an HttpOnly, Secure, SameSite=Lax
// __Host- cookie (Path=/, as the prefix requires).
func TestSignIn_StartSendsStatePKCEAndNonceAndBindsThemToTheBrowser(t *testing.T) {
	k := newKit(t)
	r := k.ts.Browser().Visit("/api/auth/oauth/oidc/start?next=/notes")
	r.ExpectStatus(t, http.StatusFound)
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), k.idp.URL+"/authorize?") {
		t.Fatalf("Location = %q", r.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("client_id") != ssotest.ClientID || q.Get("response_type") != "code" ||
		q.Get("redirect_uri") != k.ts.URL+"/api/auth/oauth/oidc/callback" ||
		q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 ||
		len(q.Get("state")) < 26 || len(q.Get("nonce")) < 26 || !strings.Contains(q.Get("scope"), "openid") {
		t.Fatalf("authorize query = %v", q)
	}
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "__Host-authkit_oauth_state" {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != q.Get("state") || !cookie.HttpOnly || !cookie.Secure ||
		cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.MaxAge != 600 {
		t.Fatalf("state cookie = %+v", cookie)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", r.Header.Get("Cache-Control"))
	}
	// Each attempt has its own.
	q2, _ := url.Parse(k.toProvider(k.ts.Browser(), "/api/auth/oauth/oidc/start"))
	for _, name := range []string{"state", "nonce", "code_challenge"} {
		if q2.Query().Get(name) == q.Get(name) {
			t.Errorf("two attempts share a %s", name)
		}
	}
}

// TestSignIn_ANewcomerGetsAnAccountWithoutAPasswordAndASession: one click
// makes the account (its email verified because the provider says so)
// and signs it in with the same cookies as a password login.
func TestSignIn_ANewcomerGetsAnAccountWithoutAPasswordAndASession(t *testing.T) {
	k := newKit(t)
	ann := k.ts.Browser()
	k.idp.Approve(person("ann"))
	if got := k.walk(ann, "/api/auth/oauth/oidc/start?next=/notes"); got != "/notes" {
		t.Fatalf("landed on %q, want /notes", got)
	}
	u := k.me(ann)
	if u.Email != "ann@example.com" || u.Name != "Ann" || !u.EmailVerified || u.HasPassword || u.LastLogin == nil {
		t.Fatalf("user = %+v", u)
	}
	if ann.Cookie(shared.HostCookiePrefix+shared.CSRFCookie) == "" || ann.Cookie(shared.SecureCookiePrefix+shared.RefreshCookie) == "" {
		t.Fatal("the session cookies are missing")
	}
	ann.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	ids := k.identities(ann)
	if len(ids) != 1 || ids[0].Provider != "oidc" || ids[0].ProviderName != "Company SSO" || ids[0].Email != "ann@example.com" {
		t.Fatalf("identities = %+v", ids)
	}
	if got := k.ts.MailSubjects("ann@example.com"); len(got) != 0 {
		t.Errorf("a newcomer with a verified email was mailed %q", got)
	}
	// The session is an ordinary one: logging out ends it.
	ann.Do("POST", "/api/auth/logout", nil).ExpectStatus(t, http.StatusNoContent)
	k.expectSignedOut(ann)
}

// TestSignIn_AKnownIdentityLeadsToItsAccountWhateverItsEmailNow: the
// provider's subject, not its email, names the account.
func TestSignIn_AKnownIdentityLeadsToItsAccountWhateverItsEmailNow(t *testing.T) {
	k := newKit(t)
	first := k.me(k.signIn(person("ann")))
	renamed := person("ann")
	renamed.Email = "ann.new@example.com"
	b := k.signIn(renamed)
	if again := k.me(b); again.ID != first.ID || again.Email != "ann@example.com" {
		t.Fatalf("second sign-in = %+v, want the account %s", again, first.ID)
	}
	if ids := k.identities(b); len(ids) != 1 || ids[0].Email != "ann.new@example.com" {
		t.Fatalf("identities = %+v (the provider's latest email is shown)", ids)
	}
	// Someone else with Ann's old address at another provider account is
	// not Ann.
	impostor := ssotest.Person{Subject: "sub-other", Email: "ann@example.com", EmailVerified: false}
	k.idp.Approve(impostor)
	expectFailure(t, k.walk(k.ts.Browser(), "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureAccountExists, "oidc")
}

func TestSignIn_NextIsAPathOfThisSiteOrTheProfile(t *testing.T) {
	k := newKit(t)
	for next, want := range map[string]string{
		"":                         "/profile",
		"/notes?tab=2":             "/notes?tab=2",
		"//evil.example/x":         "/profile",
		"/\\evil.example":          "/profile",
		"https://evil.example/":    "/profile",
		"javascript:alert(1)":      "/profile",
		"/login":                   "/profile",
		"/%0d%0aSet-Cookie:%20x=1": "/%0d%0aSet-Cookie:%20x=1",
	} {
		k.idp.Approve(person("ann"))
		if got := k.walk(k.ts.Browser(), "/api/auth/oauth/oidc/start?next="+url.QueryEscape(next)); got != want {
			t.Errorf("next=%q landed on %q, want %q", next, got, want)
		}
	}
}

func TestSignIn_GitHubCountsOnlyAPrimaryVerifiedEmail(t *testing.T) {
	k := newKit(t)
	b := k.ts.Browser()
	k.github.Approve(ssotest.GitHubUser{ID: 4242, Login: "bobcodes", Emails: []ssotest.GitHubEmail{
		{Email: "bob@old.example", Verified: true},
		{Email: "Bob@Example.com", Primary: true, Verified: true},
	}})
	if got := k.walk(b, "/api/auth/oauth/github/start"); got != "/profile" {
		t.Fatalf("landed on %q", got)
	}
	if u := k.me(b); u.Email != "bob@example.com" || u.Name != "bobcodes" || !u.EmailVerified || u.HasPassword {
		t.Fatalf("user = %+v", u)
	}
	if ids := k.identities(b); len(ids) != 1 || ids[0].Provider != "github" || ids[0].ProviderName != "GitHub" {
		t.Fatalf("identities = %+v", ids)
	}

	// A primary address GitHub has not verified is no address at all,
	// even beside a verified secondary one.
	k.github.Approve(ssotest.GitHubUser{ID: 7, Login: "cy", Emails: []ssotest.GitHubEmail{
		{Email: "cy@example.com", Primary: true},
		{Email: "cy@other.example", Verified: true},
	}})
	expectFailure(t, k.walk(k.ts.Browser(), "/api/auth/oauth/github/start"), "/login", sharedsso.FailureEmailMissing, "github")
}

func TestSignIn_Google(t *testing.T) {
	k := newKit(t)
	b := k.ts.Browser()
	k.google.Approve(ssotest.Person{Subject: "1093", Email: "dee@gmail.example", EmailVerified: true, Name: "Dee"})
	if got := k.walk(b, "/api/auth/oauth/google/start"); got != "/profile" {
		t.Fatalf("landed on %q", got)
	}
	if u := k.me(b); u.Email != "dee@gmail.example" || u.Name != "Dee" {
		t.Fatalf("user = %+v", u)
	}
	if q := k.google.AuthorizeRequests(); len(q) != 1 || q[0].Get("redirect_uri") != k.ts.URL+"/api/auth/oauth/google/callback" {
		t.Fatalf("authorize requests = %v", q)
	}
}
