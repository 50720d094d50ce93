package passkeys_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/authkit/authkit/server/account"
	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/passkeys"
	"github.com/authkit/authkit/server/passkeys/passkeystest"
	authtotp "github.com/authkit/authkit/server/totp"
	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// The passkeys module through the real API, with a software authenticator
// (passkeystest) in place of the browser's. The relying party is
// https://app.example.com, as a deployment's --public-url would be.

const origin = "https://app.example.com"

func newServer(t *testing.T, log *apitest.LogBuffer) *apitest.Server {
	opts := []apitest.Option{
		apitest.WithModules(authtotp.Module{}, passkeys.Module{}, account.Module{}), // account: GET /api/me/activity
		apitest.WithConfig(func(c *auth.Config) { c.PublicURL = origin }),
	}
	if log != nil {
		opts = append(opts, apitest.WithOptions(func(o *httpapi.Options) { o.Logger = log.Logger() }))
	}
	return apitest.NewServer(t, opts...)
}

// assertion begins a sign-in and has the authenticator answer it.
func assertion(t *testing.T, c *apitest.Client, a *passkeystest.Authenticator) []byte {
	t.Helper()
	r := c.Do("POST", "/api/auth/passkey/begin", nil)
	r.ExpectStatus(t, http.StatusOK)
	return a.Get(r.Body)
}

// activity returns the types of the caller's security events, newest
// first, and the events themselves.
func activity(c *apitest.Client) ([]shared.EventType, []shared.SecurityEvent) {
	events := c.Activity("")
	return apitest.EventTypes(events), events
}

// TestPasskeys_AddingNeedsAConfirmedAddress: someone who signs up with
// another person's address cannot plant a passkey of their own, to keep
// the account after its owner takes it back (pre-hijacking).
func TestPasskeys_AddingNeedsAConfirmedAddress(t *testing.T) {
	ts := newServer(t, nil)
	squatter := ts.Browser()
	squatter.Register("ann@example.com", "Not Ann")
	squatter.Do("POST", "/api/me/passkeys/begin", nil).ExpectError(t, http.StatusForbidden, shared.CodeEmailUnverified)
	squatter.Do("POST", "/api/me/passkeys/finish", sharedpasskeys.FinishRegistrationRequest{Name: "Mine", Credential: []byte(`{}`)}).
		ExpectError(t, http.StatusForbidden, shared.CodeEmailUnverified)
	var list sharedpasskeys.PasskeysResponse
	squatter.Do("GET", "/api/me/passkeys", nil).Decode(t, &list)
	if len(list.Passkeys) != 0 {
		t.Fatalf("passkeys = %+v", list.Passkeys)
	}

	squatter.ConfirmEmail() // the owner's mailbox says yes: then it may
	passkeystest.Register(t, squatter, passkeystest.New(t, origin), "Phone")
}

func TestPasskeys_RegisterThenSignInWithoutAPassword(t *testing.T) {
	ts := newServer(t, nil)
	ann := ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	a := passkeystest.New(t, origin)

	k := passkeystest.Register(t, ann, a, "  Laptop ")
	if k.Name != "Laptop" || k.ID == "" || k.LastUsedAt != nil {
		t.Fatalf("passkey = %+v", k)
	}
	var me shared.UserResponse
	ann.Do("GET", "/api/me", nil).Decode(t, &me)
	if !me.User.HasPasskeys || me.User.TOTPEnabled {
		t.Fatalf("user = %+v", me.User)
	}

	// A passkey alone signs in: no password, no second step.
	b := ts.Browser()
	r := b.Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: assertion(t, b, a)})
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &me)
	if me.User.Email != "ann@example.com" {
		t.Fatalf("signed in as %+v", me.User)
	}
	var sessions shared.SessionsResponse
	b.Do("GET", "/api/me/sessions", nil).Decode(t, &sessions)
	if sessions.Sessions[0].AuthMethod != "passkey" || !sessions.Sessions[0].Current {
		t.Fatalf("session = %+v", sessions.Sessions[0])
	}
	var list sharedpasskeys.PasskeysResponse
	b.Do("GET", "/api/me/passkeys", nil).Decode(t, &list)
	if len(list.Passkeys) != 1 || list.Passkeys[0].LastUsedAt == nil {
		t.Fatalf("passkeys = %+v", list.Passkeys)
	}

	// Rename, and delete (another user's id is not found).
	var renamed sharedpasskeys.PasskeyResponse
	b.Do("PATCH", "/api/me/passkeys/"+k.ID, sharedpasskeys.RenameRequest{Name: "Work laptop"}).Decode(t, &renamed)
	if renamed.Passkey.Name != "Work laptop" {
		t.Fatalf("renamed = %+v", renamed.Passkey)
	}
	b.Do("PATCH", "/api/me/passkeys/"+k.ID, sharedpasskeys.RenameRequest{Name: " "}).ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)
	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob")
	bob.ConfirmEmail()
	bob.Do("DELETE", "/api/me/passkeys/"+k.ID, nil).ExpectError(t, http.StatusNotFound, shared.CodeNotFound)
	b.Do("DELETE", "/api/me/passkeys/"+k.ID, nil).ExpectStatus(t, http.StatusNoContent)
	ann.Do("GET", "/api/me", nil).Decode(t, &me)
	if me.User.HasPasskeys {
		t.Fatalf("has_passkeys after deleting the last passkey")
	}
	ts.Browser().Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: assertion(t, b, a)}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCredentials)
}

func TestPasskeys_AnAssertionWorksOnceAndForFiveMinutes(t *testing.T) {
	ts := newServer(t, nil)
	_, a := annWithKey(t, ts, 0)

	c := ts.Browser()
	cred := assertion(t, c, a)
	c.Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: cred}).ExpectStatus(t, http.StatusOK)
	c.Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: cred}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCredentials)

	late := assertion(t, c, a)
	ts.Advance(5*time.Minute + time.Second)
	c.Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: late}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCredentials)
	ts.Browser().Do("POST", "/api/auth/passkey/finish", `{"credential":{"id":"x"}}`).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCredentials)
	ts.Browser().Do("POST", "/api/auth/passkey/finish", `{}`).ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)
}

// annWithKey signs Ann up in a browser, confirms her address and
// registers a key whose sign count starts at count.
func annWithKey(t *testing.T, ts *apitest.Server, count uint32) (*apitest.Client, *passkeystest.Authenticator) {
	t.Helper()
	ann := ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	a := passkeystest.New(t, origin)
	a.Counter = count
	passkeystest.Register(t, ann, a, "Phone")
	return ann, a
}

func TestPasskeys_ClonedAuthenticatorIsRefusedAndLogged(t *testing.T) {
	log := &apitest.LogBuffer{}
	ts := newServer(t, log)
	_, a := annWithKey(t, ts, 10)

	b := ts.Browser()
	b.Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: assertion(t, b, a)}).
		ExpectStatus(t, http.StatusOK) // registered at 10, now 11
	a.Counter = 5 // a copy of the key, behind the original
	b = ts.Browser()
	b.Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: assertion(t, b, a)}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCredentials)
	if !strings.Contains(log.String(), "may be cloned") {
		t.Fatalf("no clone warning in the log:\n%s", log.String())
	}
}

// TestPasskeys_CopiesOfAKeyAtOneCountSignInOnce: a cloned authenticator
// and its original answering at the same moment with the same sign count
// both pass the clone check against the count stored before either; only
// one may then store it and sign in. The hook holds each assertion, once
// checked, until the other is checked too.
func TestPasskeys_CopiesOfAKeyAtOneCountSignInOnce(t *testing.T) {
	ts := newServer(t, nil)
	_, a := annWithKey(t, ts, 10)

	var (
		creds    [2][]byte
		browsers [2]*apitest.Client
	)
	for i := range creds {
		a.Counter = 20 // both copies at the same count, each for a challenge of its own
		browsers[i] = ts.Browser()
		creds[i] = assertion(t, browsers[i], a)
	}
	var checked sync.WaitGroup
	checked.Add(len(creds))
	passkeys.SetTestHookValidated(t, func() {
		checked.Done()
		checked.Wait()
	})
	var signedIn, refused atomic.Int32
	var wg sync.WaitGroup
	for i, cred := range creds {
		wg.Go(func() {
			switch r := browsers[i].Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: cred}); r.Status {
			case http.StatusOK:
				signedIn.Add(1)
			case http.StatusUnauthorized:
				refused.Add(1)
			default:
				t.Errorf("%d %s", r.Status, r.Body)
			}
		})
	}
	wg.Wait()
	if signedIn.Load() != 1 || refused.Load() != 1 {
		t.Fatalf("two copies of a key at one count: %d signed in, %d refused; want one each", signedIn.Load(), refused.Load())
	}
}

func TestPasskeys_AddingNeedsARecentSessionAndItsOwnCeremony(t *testing.T) {
	ts := newServer(t, nil)
	ann := ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob")
	bob.ConfirmEmail()
	a := passkeystest.New(t, origin)

	// Bob cannot finish Ann's ceremony.
	r := ann.Do("POST", "/api/me/passkeys/begin", nil)
	e := bob.Do("POST", "/api/me/passkeys/finish", sharedpasskeys.FinishRegistrationRequest{Credential: a.Create(r.Body)}).
		ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)
	if e.Fields["credential"] == "" {
		t.Fatalf("no fields.credential: %+v", e)
	}

	ts.Advance(11 * time.Minute)
	ann.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	ann.Do("POST", "/api/me/passkeys/begin", nil).ExpectError(t, http.StatusForbidden, shared.CodeReauthRequired)
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
	k := passkeystest.Register(t, ann, a, "")
	if k.Name != "Passkey" {
		t.Fatalf("default name = %q", k.Name)
	}
	// The same authenticator twice is refused.
	r = ann.Do("POST", "/api/me/passkeys/begin", nil)
	ann.Do("POST", "/api/me/passkeys/finish", sharedpasskeys.FinishRegistrationRequest{Credential: a.Create(r.Body)}).
		ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)

	// Past the window again, a passkey makes the session recent.
	ts.Advance(11 * time.Minute)
	ann.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	ann.Do("DELETE", "/api/me/passkeys/"+k.ID, nil).ExpectError(t, http.StatusForbidden, shared.CodeReauthRequired)
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Credential: assertion(t, ann, a)}).ExpectStatus(t, http.StatusNoContent)
	ann.Do("DELETE", "/api/me/passkeys/"+k.ID, nil).ExpectStatus(t, http.StatusNoContent)

	// Each step is in the account's activity; refusals are not.
	got, events := activity(ann)
	want := []shared.EventType{
		sharedpasskeys.EventPasskeyDeleted, shared.EventReauthenticated, sharedpasskeys.EventPasskeyAdded,
		shared.EventReauthenticated, shared.EventEmailConfirmed, shared.EventAccountCreated,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("activity = %v,\nwant %v", got, want)
	}
	if m1, m3 := events[1].Detail[shared.DetailMethod], events[3].Detail[shared.DetailMethod]; m1 != "passkey" || m3 != "password" {
		t.Errorf("reauthenticated by %q and %q, want passkey and password", m1, m3)
	}
	if name := events[2].Detail[shared.DetailName]; name != "Passkey" {
		t.Errorf("passkey_added names %q", name)
	}
}

func TestPasskeys_SecondFactorAfterAPassword(t *testing.T) {
	ts := newServer(t, nil)
	ann, a := annWithKey(t, ts, 0)

	// A passkey alone does not make the password login ask for more...
	ts.Browser().Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)

	// ...but once two-factor is on, it answers the second step.
	var setup sharedtotp.SetupResponse
	ann.Do("POST", "/api/me/totp/setup", nil).Decode(t, &setup)
	code, _ := totp.GenerateCode(setup.Secret, ts.Now())
	ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: code}).ExpectStatus(t, http.StatusOK)

	b := ts.Browser()
	r := b.Login("ann@example.com", apitest.Password)
	r.ExpectError(t, http.StatusUnauthorized, shared.CodeMFARequired)
	var body shared.ErrorBody
	r.Decode(t, &body)
	if !slices.Equal(body.Methods, []string{"totp", "recovery_code", "passkey"}) {
		t.Fatalf("methods = %v", body.Methods)
	}
	// Another account's passkey is a wrong proof.
	other := passkeystest.New(t, origin)
	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob")
	bob.ConfirmEmail()
	passkeystest.Register(t, bob, other, "Bob's")
	b.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: body.MFAToken, Credential: assertion(t, b, other)}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCode)
	b.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: body.MFAToken, Credential: assertion(t, b, a)}).
		ExpectStatus(t, http.StatusOK)
	var sessions shared.SessionsResponse
	b.Do("GET", "/api/me/sessions", nil).Decode(t, &sessions)
	if m := sessions.Sessions[0].AuthMethod; m != "password+passkey" {
		t.Fatalf("auth_method = %q", m)
	}
}

func TestPasskeys_OffWhenThePublicURLIsAnIPAddress(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithModules(passkeys.Module{})) // public URL http://127.0.0.1:8080
	ann := ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	ann.Do("POST", "/api/me/passkeys/begin", nil).ExpectError(t, http.StatusForbidden, shared.CodeForbidden)
	ts.TokenClient().Do("POST", "/api/auth/passkey/begin", nil).ExpectError(t, http.StatusForbidden, shared.CodeForbidden)
}

// TestPasskeys_SignInStartsAreThrottledPerClient: each start writes a
// ceremony row, so one client may start 60 a minute, then waits.
func TestPasskeys_SignInStartsAreThrottledPerClient(t *testing.T) {
	ts := newServer(t, nil)
	c := ts.Browser()
	for i := range 60 {
		if r := c.Do("POST", "/api/auth/passkey/begin", nil); r.Status != http.StatusOK {
			t.Fatalf("start %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := c.Do("POST", "/api/auth/passkey/begin", nil)
	r.ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	ts.Advance(time.Minute)
	c.Do("POST", "/api/auth/passkey/begin", nil).ExpectStatus(t, http.StatusOK)
}

// TestPasskeys_RegistrationStartsAreThrottledPerUser: each start of a
// registration writes a ceremony row for 5 minutes, as a sign-in's does,
// so one account may start 10 a minute, then waits; another account does
// not wait with it.
func TestPasskeys_RegistrationStartsAreThrottledPerUser(t *testing.T) {
	ts := newServer(t, nil)
	ann := ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	for i := range 10 {
		if r := ann.Do("POST", "/api/me/passkeys/begin", nil); r.Status != http.StatusOK {
			t.Fatalf("start %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := ann.Do("POST", "/api/me/passkeys/begin", nil)
	r.ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}

	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob")
	bob.ConfirmEmail()
	passkeystest.Register(t, bob, passkeystest.New(t, origin), "Bob's")

	ts.Advance(time.Minute)
	ann.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	passkeystest.Register(t, ann, passkeystest.New(t, origin), "Phone")
}

// TestPasskeys_AnAccountKeepsAtMostFiftyPasskeys: each passkey is a row,
// and each is listed in every later registration's options, so an
// account (a script with a recent session and a software authenticator)
// cannot add them without end: the 51st is limit_reached, at the start
// and at the finish of a ceremony begun before the 50th was added.
func TestPasskeys_AnAccountKeepsAtMostFiftyPasskeys(t *testing.T) {
	ts := newServer(t, nil)
	ann := ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	var early []byte
	for i := range passkeys.MaxPasskeysPerUser {
		if i%10 == 0 || i == passkeys.MaxPasskeysPerUser-1 { // past the starts' throttle, and recent again
			ts.Advance(time.Minute)
			ann.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
			ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
		}
		if i == passkeys.MaxPasskeysPerUser-1 {
			r := ann.Do("POST", "/api/me/passkeys/begin", nil)
			r.ExpectStatus(t, http.StatusOK)
			early = r.Body
		}
		passkeystest.Register(t, ann, passkeystest.New(t, origin), "Key")
	}
	ts.Advance(time.Minute)
	ann.Do("POST", "/api/me/passkeys/begin", nil).ExpectError(t, http.StatusConflict, shared.CodeLimitReached)
	ann.Do("POST", "/api/me/passkeys/finish", sharedpasskeys.FinishRegistrationRequest{Credential: passkeystest.New(t, origin).Create(early)}).
		ExpectError(t, http.StatusConflict, shared.CodeLimitReached)
	var list sharedpasskeys.PasskeysResponse
	ann.Do("GET", "/api/me/passkeys", nil).Decode(t, &list)
	if len(list.Passkeys) != passkeys.MaxPasskeysPerUser {
		t.Fatalf("%d passkeys, want %d", len(list.Passkeys), passkeys.MaxPasskeysPerUser)
	}

	// One deleted makes room for one.
	ann.Do("DELETE", "/api/me/passkeys/"+list.Passkeys[0].ID, nil).ExpectStatus(t, http.StatusNoContent)
	passkeystest.Register(t, ann, passkeystest.New(t, origin), "Key")
}

// TestPasskeys_OffOnPlainHTTPButForLocalhost: WebAuthn runs only in a
// secure context, so a plain-http origin other than localhost's is not
// one a browser could sign for; it is not accepted as the relying party's
// origin either: passkeys are off, and say so.
func TestPasskeys_OffOnPlainHTTPButForLocalhost(t *testing.T) {
	for _, tc := range []struct {
		url string
		on  bool
	}{
		{"http://app.example.com", false},
		{"http://localhost:8080", true},
		{"http://app.localhost:8080", true},
		{"https://app.example.com", true},
	} {
		ts := apitest.NewServer(t, apitest.WithModules(passkeys.Module{}),
			apitest.WithConfig(func(c *auth.Config) { c.PublicURL = tc.url }))
		r := ts.TokenClient().Do("POST", "/api/auth/passkey/begin", nil)
		if tc.on {
			r.ExpectStatus(t, http.StatusOK)
		} else {
			r.ExpectError(t, http.StatusForbidden, shared.CodeForbidden)
		}
	}
}

// TestPasskeys_ACredentialBelongsToOneAccount: a credential id already
// registered to one account is refused for another (WebAuthn §7.1 step
// 26), which would otherwise sign one of them in as the other.
func TestPasskeys_ACredentialBelongsToOneAccount(t *testing.T) {
	ts := newServer(t, nil)
	ann := ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	a := passkeystest.New(t, origin)
	passkeystest.Register(t, ann, a, "Ann's")
	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob")
	bob.ConfirmEmail()
	r := bob.Do("POST", "/api/me/passkeys/begin", nil)
	r.ExpectStatus(t, http.StatusOK)
	e := bob.Do("POST", "/api/me/passkeys/finish", sharedpasskeys.FinishRegistrationRequest{Credential: a.Create(r.Body)}).
		ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)
	if e.Fields["credential"] == "" {
		t.Fatalf("no fields.credential: %+v", e)
	}
	var me shared.UserResponse
	bob.Do("GET", "/api/me", nil).Decode(t, &me)
	if me.User.HasPasskeys {
		t.Fatalf("bob has passkeys")
	}
}

// TestPasskeys_SignInStartsCountAnIPv6NetworkAsOneClient: a host with
// IPv6 draws new addresses from its /64 at will, so the per-client limit
// on starts (each a ceremony row) counts the /64, as the login throttles
// do; another /64 has a budget of its own. (The addresses are only the
// requests' RemoteAddr: the handler is called in process, nothing is
// dialled.)
func TestPasskeys_SignInStartsCountAnIPv6NetworkAsOneClient(t *testing.T) {
	ts := newServer(t, nil)
	begin := func(remoteAddr string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/auth/passkey/begin", nil)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.RemoteAddr = remoteAddr
		rec := httptest.NewRecorder()
		ts.API.ServeHTTP(rec, req)
		return rec
	}
	apitest.ExpectOneClientPerIPv6Network(t, 60, http.StatusOK, begin)
}
