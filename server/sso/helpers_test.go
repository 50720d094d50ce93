package sso_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/sso"
	"github.com/authkit/authkit/server/sso/ssotest"
	"github.com/authkit/authkit/shared"
	sharedsso "github.com/authkit/authkit/shared/sso"
)

// kit is the real server with the module, and the providers it trusts,
// all on loopback: the company's OpenID Connect provider ("oidc"), a
// second one standing in for Google, and GitHub's stand-in.
type kit struct {
	t      *testing.T
	ts     *apitest.Server
	idp    *ssotest.Provider
	google *ssotest.Provider
	github *ssotest.GitHub
	module *sso.Module
}

func newKit(t *testing.T, opts ...apitest.Option) *kit {
	t.Helper()
	k := &kit{t: t, idp: ssotest.NewProvider(t), google: ssotest.NewProvider(t), github: ssotest.NewGitHub(t)}
	m := &sso.Module{
		OIDC:   sso.OIDCSettings{Issuer: k.idp.URL, ClientID: ssotest.ClientID, ClientSecret: ssotest.ClientSecret, Name: "Company SSO"},
		Google: sso.GoogleSettings{ClientID: ssotest.ClientID, ClientSecret: ssotest.ClientSecret, Issuer: k.google.URL},
		GitHub: sso.GitHubSettings{ClientID: ssotest.ClientID, ClientSecret: ssotest.ClientSecret, WebURL: k.github.URL, APIURL: k.github.URL + "/api"},
	}
	opts = append([]apitest.Option{
		apitest.WithModules(m),
	}, opts...)
	k.module = m
	k.ts = apitest.NewServer(t, opts...)
	k.idp.SetClock(k.ts.Now)
	k.google.SetClock(k.ts.Now)
	return k
}

// person is someone at the company's provider, with a verified email.
func person(name string) ssotest.Person {
	return ssotest.Person{Subject: "sub-" + name, Email: name + "@example.com", EmailVerified: true, Name: strings.ToUpper(name[:1]) + name[1:]}
}

// unvouched is person, at a provider that does not vouch for their
// address (email_verified false).
func unvouched(name string) ssotest.Person {
	p := person(name)
	p.EmailVerified = false
	return p
}

// toProvider starts a sign-in and returns where the kit sends the browser.
func (k *kit) toProvider(b *apitest.Client, startPath string) string {
	k.t.Helper()
	r := b.Visit(startPath)
	r.ExpectStatus(k.t, http.StatusFound)
	return r.Header.Get("Location")
}

// toCallback follows the provider's redirect and returns the callback
// URL it sends the browser to.
func (k *kit) toCallback(b *apitest.Client, providerURL string) string {
	k.t.Helper()
	r := b.Visit(providerURL)
	r.ExpectStatus(k.t, http.StatusFound)
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, k.ts.URL+"/api/auth/oauth/") {
		k.t.Fatalf("the provider sent the browser to %q", loc)
	}
	return loc
}

// finish visits the callback and returns where the kit lands the browser.
func (k *kit) finish(b *apitest.Client, callbackURL string, headers ...string) string {
	k.t.Helper()
	r := b.Visit(callbackURL, headers...)
	r.ExpectStatus(k.t, http.StatusFound)
	return r.Header.Get("Location")
}

// walk signs in (or connects) through the whole flow from startPath and
// returns where the browser lands.
func (k *kit) walk(b *apitest.Client, startPath string) string {
	k.t.Helper()
	return k.finish(b, k.toCallback(b, k.toProvider(b, startPath)))
}

// signIn signs a new browser in as who at the company's provider, failing
// the test unless it lands on the profile.
func (k *kit) signIn(who ssotest.Person) *apitest.Client {
	k.t.Helper()
	b := k.ts.Browser()
	k.idp.Approve(who)
	if got := k.walk(b, "/api/auth/oauth/oidc/start"); got != "/profile" {
		k.t.Fatalf("signing in as %s landed on %q", who.Email, got)
	}
	return b
}

// me is the browser's signed-in user, failing the test without one.
func (k *kit) me(b *apitest.Client) shared.User {
	k.t.Helper()
	r := b.Do("GET", "/api/me", nil)
	r.ExpectStatus(k.t, http.StatusOK)
	var body shared.UserResponse
	r.Decode(k.t, &body)
	return body.User
}

func (k *kit) identities(b *apitest.Client) []sharedsso.Identity {
	k.t.Helper()
	r := b.Do("GET", "/api/me/identities", nil)
	r.ExpectStatus(k.t, http.StatusOK)
	var body sharedsso.IdentitiesResponse
	r.Decode(k.t, &body)
	return body.Identities
}

// expectSignedOut checks that the browser has no session.
func (k *kit) expectSignedOut(b *apitest.Client) {
	k.t.Helper()
	b.Do("GET", "/api/me", nil).ExpectError(k.t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
}

// expectFailure checks a landing on page ("/login" or "/profile") with
// the failure's code and the provider's id.
func expectFailure(t *testing.T, landed, page string, code sharedsso.Failure, providerID string) {
	t.Helper()
	u, err := url.Parse(landed)
	if err != nil || u.Path != page || u.Query().Get("error") != string(code) || u.Query().Get("provider") != providerID {
		t.Fatalf("landed on %q, want %s?error=%s&provider=%s", landed, page, code, providerID)
	}
}
