package passkeys_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/account"
	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/passkeys"
	"github.com/authkit/authkit/server/passkeys/passkeystest"
	"github.com/authkit/authkit/server/sso"
	"github.com/authkit/authkit/server/sso/ssotest"
	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
	sharedsso "github.com/authkit/authkit/shared/sso"
)

// The last way in: an account keeps at least one way to sign in (a
// password, a sign-in provider's account, a passkey), whichever modules
// bring them. The sign-in provider here is ssotest's, on loopback, as a
// deployment's company provider would be.

// newServerWithProvider is newServer with the passkeys and sign-in
// providers modules, any others given, and a provider that signs people
// in.
func newServerWithProvider(t *testing.T, others ...httpapi.Module) (*apitest.Server, *ssotest.Provider) {
	t.Helper()
	idp := ssotest.NewProvider(t)
	providers := &sso.Module{OIDC: sso.OIDCSettings{Issuer: idp.URL, ClientID: ssotest.ClientID, ClientSecret: ssotest.ClientSecret}}
	ts := apitest.NewServer(t,
		apitest.WithModules(append([]httpapi.Module{passkeys.Module{}, providers}, others...)...),
		apitest.WithConfig(func(c *auth.Config) { c.PublicURL = origin }))
	idp.SetClock(ts.Now)
	return ts, idp
}

// signInWithProvider signs who in through the provider, in a new browser:
// the first time, that makes their account the way the provider signs a
// new person in, with no password. The browser is signed in on a new (so
// recent) session.
func signInWithProvider(t *testing.T, ts *apitest.Server, idp *ssotest.Provider, who ssotest.Person) *apitest.Client {
	t.Helper()
	idp.Approve(who)
	b := ts.Browser()
	next := "/api/auth/oauth/oidc/start"
	for range 3 { // the kit, the provider, the kit's callback
		r := b.Visit(next)
		r.ExpectStatus(t, http.StatusFound)
		next = strings.Replace(r.Header.Get("Location"), origin, ts.URL, 1) // the public URL is this server
	}
	if next != "/profile" {
		t.Fatalf("signing in with the provider landed on %q", next)
	}
	return b
}

func TestPasskeys_TheLastWayInCannotBeDeleted(t *testing.T) {
	ts, idp := newServerWithProvider(t, account.Module{}) // account: GET /api/me/activity
	ann := signInWithProvider(t, ts, idp, ssotest.Person{Subject: "sub-ann", Email: "ann@example.com", EmailVerified: true, Name: "Ann"})
	a := passkeystest.New(t, origin)
	first := passkeystest.Register(t, ann, a, "Phone")

	// With its provider account still connected, the passkey may go;
	// added again, the provider account may go instead.
	ann.Do("DELETE", "/api/me/passkeys/"+first.ID, nil).ExpectStatus(t, http.StatusNoContent)
	first = passkeystest.Register(t, ann, passkeystest.New(t, origin), "Phone")
	var ids sharedsso.IdentitiesResponse
	ann.Do("GET", "/api/me/identities", nil).Decode(t, &ids)
	ann.Do("DELETE", "/api/me/identities/"+ids.Identities[0].ID, nil).ExpectStatus(t, http.StatusNoContent)

	// Now the passkey is the only way in: no password, no provider.
	e := ann.Do("DELETE", "/api/me/passkeys/"+first.ID, nil).ExpectError(t, http.StatusBadRequest, shared.CodeLastLoginMethod)
	if !strings.Contains(e.Message, "only way to sign in") {
		t.Errorf("message = %q", e.Message)
	}
	var list sharedpasskeys.PasskeysResponse
	ann.Do("GET", "/api/me/passkeys", nil).Decode(t, &list)
	if len(list.Passkeys) != 1 {
		t.Fatalf("passkeys = %+v", list.Passkeys)
	}
	if types, _ := activity(ann); types[0] != sharedsso.EventIdentityDisconnected {
		t.Errorf("the refused deletion left its mark in the activity: %v", types)
	}

	// With a second passkey, one of them may go, and the other stays.
	second := passkeystest.Register(t, ann, passkeystest.New(t, origin), "Laptop")
	ann.Do("DELETE", "/api/me/passkeys/"+first.ID, nil).ExpectStatus(t, http.StatusNoContent)
	ann.Do("DELETE", "/api/me/passkeys/"+second.ID, nil).ExpectError(t, http.StatusBadRequest, shared.CodeLastLoginMethod)
	var me shared.UserResponse
	ann.Do("GET", "/api/me", nil).Decode(t, &me)
	if !me.User.HasPasskeys || me.User.HasPassword {
		t.Fatalf("user = %+v", me.User)
	}

	// Another user's passkey is still not found, not refused.
	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob")
	bob.ConfirmEmail()
	bob.Do("DELETE", "/api/me/passkeys/"+second.ID, nil).ExpectError(t, http.StatusNotFound, shared.CodeNotFound)
}

func TestPasskeys_WithAPasswordTheLastPasskeyMayGo(t *testing.T) {
	ts, _ := newServerWithProvider(t)
	ann := ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	k := passkeystest.Register(t, ann, passkeystest.New(t, origin), "Phone")
	ann.Do("DELETE", "/api/me/passkeys/"+k.ID, nil).ExpectStatus(t, http.StatusNoContent)
	var me shared.UserResponse
	ann.Do("GET", "/api/me", nil).Decode(t, &me)
	if me.User.HasPasskeys {
		t.Fatalf("has_passkeys after deleting the last passkey")
	}
}
