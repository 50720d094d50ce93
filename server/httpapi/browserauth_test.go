package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/shared"
)

func TestRegister_LogsInWithHardenedCookies(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser()
	r := b.do("POST", "/api/auth/register", shared.RegisterRequest{Email: " Ann@Example.COM ", Password: testPassword, Name: " Ann "})
	r.expectStatus(t, http.StatusCreated)
	var body shared.UserResponse
	r.decode(t, &body)
	if body.User.Email != "ann@example.com" || body.User.Name != "Ann" || !body.User.IsActive || body.User.IsStaff || body.User.ID == "" {
		t.Fatalf("user = %+v", body.User)
	}
	if strings.Contains(string(r.body), "password") || strings.Contains(string(r.body), "argon2") {
		t.Fatalf("password material in %s", r.body)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}

	cookies := map[string]*http.Cookie{}
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		cookies[c.Name] = c
	}
	want := []struct {
		name     string
		path     string
		sameSite http.SameSite
		httpOnly bool
	}{
		{"__Host-access_token", "/", http.SameSiteLaxMode, true},
		{"__Secure-refresh_token", "/api/auth", http.SameSiteStrictMode, true},
		{"__Host-csrf_token", "/", http.SameSiteStrictMode, false},
	}
	for _, w := range want {
		c := cookies[w.name]
		if c == nil {
			t.Fatalf("cookie %s not set; got %v", w.name, r.header["Set-Cookie"])
		}
		if !c.Secure || c.Path != w.path || c.SameSite != w.sameSite || c.HttpOnly != w.httpOnly || c.MaxAge <= 0 || c.Value == "" {
			t.Errorf("cookie %s = %+v", w.name, c)
		}
	}

	me := b.do("GET", "/api/me", nil)
	me.expectStatus(t, http.StatusOK)
	var meBody shared.UserResponse
	me.decode(t, &meBody)
	if meBody.User.ID != body.User.ID {
		t.Fatalf("me = %+v", meBody.User)
	}
}

func TestRegister_Errors(t *testing.T) {
	ts := newTestServer(t)
	ts.browser().register("taken@example.com", "Taken")
	long := strings.Repeat("a", 245) + "@example.com"
	cases := []struct {
		name   string
		body   any
		status int
		code   shared.Code
		field  string
	}{
		{"missing everything", `{}`, 400, shared.CodeValidationFailed, "email"},
		{"bad email", shared.RegisterRequest{Email: "nope", Password: testPassword, Name: "N"}, 400, shared.CodeValidationFailed, "email"},
		{"email too long", shared.RegisterRequest{Email: long, Password: testPassword, Name: "N"}, 400, shared.CodeValidationFailed, "email"},
		{"short password", shared.RegisterRequest{Email: "a@example.com", Password: "short", Name: "N"}, 400, shared.CodeValidationFailed, "password"},
		{"common password", shared.RegisterRequest{Email: "a@example.com", Password: "Password1", Name: "N"}, 400, shared.CodeValidationFailed, "password"},
		{"password is email", shared.RegisterRequest{Email: "abcdefgh@example.com", Password: "ABCDEFGH@example.com", Name: "N"}, 400, shared.CodeValidationFailed, "password"},
		{"blank name", shared.RegisterRequest{Email: "a@example.com", Password: testPassword, Name: "   "}, 400, shared.CodeValidationFailed, "name"},
		{"long name", shared.RegisterRequest{Email: "a@example.com", Password: testPassword, Name: strings.Repeat("x", 101)}, 400, shared.CodeValidationFailed, "name"},
		{"taken email, other case", shared.RegisterRequest{Email: "TAKEN@example.com", Password: testPassword, Name: "N"}, 409, shared.CodeEmailTaken, "email"},
		{"wrong type", `{"email":1,"password":"x","name":"y"}`, 400, shared.CodeInvalidJSON, ""},
		{"malformed", `{"email":`, 400, shared.CodeInvalidJSON, ""},
		{"not an object", `[]`, 400, shared.CodeInvalidJSON, ""},
		{"empty body", ``, 400, shared.CodeInvalidJSON, ""},
		{"trailing data", `{"email":"a@example.com"} {}`, 400, shared.CodeInvalidJSON, ""},
		{"unknown field", `{"email":"a@example.com","is_staff":true}`, 400, shared.CodeInvalidJSON, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ts.browser().do("POST", "/api/auth/register", c.body)
			e := r.expectError(t, c.status, c.code)
			if c.field != "" && e.Fields[c.field] == "" {
				t.Fatalf("no message for field %q: %s", c.field, r.body)
			}
			if len(r.header.Values("Set-Cookie")) > 0 {
				t.Fatalf("cookies set on failure: %v", r.header.Values("Set-Cookie"))
			}
		})
	}
	n, err := ts.store.CountUsers(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("users = %d, %v; a failed registration wrote a record", n, err)
	}
}

func TestRegister_ConcurrentSameEmailMakesExactlyOneAccount(t *testing.T) {
	ts := newTestServer(t)
	const n = 8
	statuses := make(chan int, n)
	for range n {
		go func() {
			r := ts.browser().do("POST", "/api/auth/register", shared.RegisterRequest{Email: "race@example.com", Password: testPassword, Name: "Racer"})
			statuses <- r.status
		}()
	}
	created, conflicts := 0, 0
	for range n {
		switch s := <-statuses; s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
			conflicts++
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	if created != 1 || conflicts != n-1 {
		t.Fatalf("created %d, conflicts %d", created, conflicts)
	}
	if c, _ := ts.store.CountUsers(t.Context()); c != 1 {
		t.Fatalf("%d accounts", c)
	}
}

func TestLogin_UnknownEmailAndWrongPasswordAnswerAlike(t *testing.T) {
	hasher := auth.NewHasher(auth.DefaultArgon2)
	ts := newTestServer(t, withConfig(func(c *auth.Config) { c.Hasher = hasher }))
	ts.browser().register("ann@example.com", "Ann")

	// loginCountingHashes logs in once and counts the argon2id derivations
	// the server ran for it.
	loginCountingHashes := func(email string) (response, uint64) {
		before := hasher.Derivations()
		r := ts.browser().login(email, "not the password")
		return r, hasher.Derivations() - before
	}
	wrong, wrongHashes := loginCountingHashes("ann@example.com")
	unknown, unknownHashes := loginCountingHashes("nobody@example.com")
	wrong.expectError(t, 401, shared.CodeInvalidCredentials)
	unknown.expectError(t, 401, shared.CodeInvalidCredentials)
	if string(wrong.body) != string(unknown.body) {
		t.Fatalf("bodies differ:\n%s\n%s", wrong.body, unknown.body)
	}

	// Both paths run exactly one full argon2id verification (the unknown
	// email against a dummy hash), so their timing cannot tell accounts
	// apart (OWASP ASVS 2.2). The count is compared rather than the time:
	// wall-clock times on a shared, busy machine differ for reasons of
	// their own.
	if wrongHashes != 1 || unknownHashes != 1 {
		t.Fatalf("argon2id derivations: wrong password %d, unknown email %d; want 1 each", wrongHashes, unknownHashes)
	}
}

func TestLogin_SetsCookiesAndLastLogin(t *testing.T) {
	ts := newTestServer(t)
	ts.browser().register("ann@example.com", "Ann")
	b := ts.browser()
	r := b.login("ANN@example.com", testPassword)
	r.expectStatus(t, http.StatusOK)
	var body shared.UserResponse
	r.decode(t, &body)
	if body.User.LastLogin == nil || time.Since(*body.User.LastLogin) > time.Minute {
		t.Fatalf("last_login = %v", body.User.LastLogin)
	}
	b.do("GET", "/api/me", nil).expectStatus(t, http.StatusOK)
}

func TestLogin_InactiveUserCannotLogIn(t *testing.T) {
	ts := newTestServer(t)
	u := ts.browser().register("ann@example.com", "Ann")
	setActive(t, ts, u.ID, false)
	ts.browser().login("ann@example.com", testPassword).expectError(t, 401, shared.CodeInvalidCredentials)
}

func TestLogin_ThrottledPerAccountAndClient(t *testing.T) {
	ts := newTestServer(t, withConfig(func(c *cfgT) { c.LoginThrottle = 3 }))
	ts.browser().register("ann@example.com", "Ann")
	for range 3 {
		ts.browser().login("ann@example.com", "wrong password!").expectError(t, 401, shared.CodeInvalidCredentials)
	}
	r := ts.browser().login("ann@example.com", testPassword)
	r.expectError(t, 429, shared.CodeRateLimited)
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After = %q", ra)
	}
	// Another account from the same client is not affected.
	ts.browser().register("bob@example.com", "Bob")
	ts.browser().login("bob@example.com", testPassword).expectStatus(t, http.StatusOK)
	// The bucket refills: one attempt per 5 minutes with 3 per 15 minutes.
	ts.advance(5*time.Minute + time.Second)
	ts.browser().login("ann@example.com", testPassword).expectStatus(t, http.StatusOK)
}

func TestRegister_ThrottledPerClient(t *testing.T) {
	ts := newTestServer(t, withConfig(func(c *cfgT) { c.RegisterThrottle = 2 }))
	ts.browser().register("a@example.com", "A")
	ts.browser().register("b@example.com", "B")
	r := ts.browser().do("POST", "/api/auth/register", shared.RegisterRequest{Email: "c@example.com", Password: testPassword, Name: "C"})
	r.expectError(t, 429, shared.CodeRateLimited)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

func TestRefresh_RotatesCookiesAndDetectsReuse(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser()
	b.register("ann@example.com", "Ann")
	first := b.cookie("__Secure-refresh_token")
	oldAccess := b.cookie("__Host-access_token")

	r := b.do("POST", "/api/auth/refresh", nil)
	r.expectStatus(t, http.StatusOK)
	second := b.cookie("__Secure-refresh_token")
	if second == "" || second == first || b.cookie("__Host-access_token") == oldAccess {
		t.Fatal("cookies not rotated")
	}
	b.do("GET", "/api/me", nil).expectStatus(t, http.StatusOK)

	// Within seconds of the rotation, the old cookie coming back looks like
	// a second tab racing the first: refused, no cookies cleared or set, and
	// the session survives.
	tab := ts.browser()
	r = tab.do("POST", "/api/auth/refresh", nil, "Cookie", "__Secure-refresh_token="+first)
	r.expectError(t, 401, shared.CodeNotAuthenticated)
	if len(r.header.Values("Set-Cookie")) != 0 {
		t.Fatalf("a raced refresh touched cookies: %v", r.header.Values("Set-Cookie"))
	}
	b.do("GET", "/api/me", nil).expectStatus(t, http.StatusOK)

	// Later, a thief replays the first refresh token: reuse revokes the
	// session, so the owner's current tokens stop working too.
	ts.advance(auth.BrowserRefreshGrace + time.Second)
	thief := ts.browser()
	thief.do("POST", "/api/auth/refresh", nil, "Cookie", "__Secure-refresh_token="+first).
		expectError(t, 401, shared.CodeNotAuthenticated)
	b.do("GET", "/api/me", nil).expectError(t, 401, shared.CodeNotAuthenticated)
	b.do("POST", "/api/auth/refresh", nil).expectError(t, 401, shared.CodeNotAuthenticated)
}

func TestRefresh_TwoTabsRacingDoNotLogTheUserOut(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser()
	b.register("ann@example.com", "Ann")
	const tabs = 4
	statuses := make(chan int, tabs)
	for range tabs {
		go func() { statuses <- b.do("POST", "/api/auth/refresh", nil).status }()
	}
	ok := 0
	for range tabs {
		if <-statuses == http.StatusOK {
			ok++
		}
	}
	if ok < 1 {
		t.Fatal("no tab refreshed")
	}
	// Whatever the interleaving, the browser ends up with a live session.
	b.do("GET", "/api/me", nil).expectStatus(t, http.StatusOK)
	b.do("POST", "/api/auth/refresh", nil).expectStatus(t, http.StatusOK)
}

func TestRefresh_ConcurrentSpendOfOneTokenLetsOnlyOneWin(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser()
	b.register("ann@example.com", "Ann")
	pair := ts.tokens("ann@example.com", testPassword)
	const n = 6
	statuses := make(chan int, n)
	for range n {
		go func() {
			statuses <- ts.apiClient().do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).status
		}()
	}
	ok := 0
	for range n {
		if <-statuses == http.StatusOK {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d requests spent one refresh token; want exactly 1", ok)
	}
}

func TestRefresh_ExpiredRefreshTokenIsRefused(t *testing.T) {
	ts := newTestServer(t, withConfig(func(c *cfgT) { c.RefreshTTL = time.Hour }))
	b := ts.browser()
	b.register("ann@example.com", "Ann")
	ts.advance(time.Hour + time.Second)
	b.do("POST", "/api/auth/refresh", nil).expectError(t, 401, shared.CodeNotAuthenticated)
}

func TestAccessToken_ExpiresIntoTokenExpiredThenRefreshes(t *testing.T) {
	ts := newTestServer(t, withConfig(func(c *cfgT) { c.AccessTTL = time.Minute }))
	b := ts.browser()
	b.register("ann@example.com", "Ann")
	ts.advance(2 * time.Minute)
	b.do("GET", "/api/me", nil).expectError(t, 401, shared.CodeTokenExpired)
	b.do("POST", "/api/auth/refresh", nil).expectStatus(t, http.StatusOK)
	b.do("GET", "/api/me", nil).expectStatus(t, http.StatusOK)
}

func TestLogout_TakesEffectAtOnce(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser()
	b.register("ann@example.com", "Ann")
	access := b.cookie("__Host-access_token")
	refresh := b.cookie("__Secure-refresh_token")

	r := b.do("POST", "/api/auth/logout", nil)
	r.expectStatus(t, http.StatusNoContent)
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.MaxAge >= 0 {
			t.Errorf("cookie %s not cleared: %+v", c.Name, c)
		}
	}
	// The old tokens are dead, even if the client kept copies.
	replay := ts.browser()
	replay.do("GET", "/api/me", nil, "Cookie", "__Host-access_token="+access).expectError(t, 401, shared.CodeNotAuthenticated)
	ts.apiClient().do("GET", "/api/me", nil, bearer(access)...).expectError(t, 401, shared.CodeNotAuthenticated)
	replay.do("POST", "/api/auth/refresh", nil, "Cookie", "__Secure-refresh_token="+refresh).expectError(t, 401, shared.CodeNotAuthenticated)
	// Logging out again is harmless.
	b.do("POST", "/api/auth/logout", nil).expectStatus(t, http.StatusNoContent)
}

func TestLogout_WorksWithOnlyTheRefreshCookieAfterAccessExpiry(t *testing.T) {
	ts := newTestServer(t, withConfig(func(c *cfgT) { c.AccessTTL = time.Minute }))
	b := ts.browser()
	b.register("ann@example.com", "Ann")
	refresh := b.cookie("__Secure-refresh_token")
	ts.advance(2 * time.Minute)
	b.do("POST", "/api/auth/logout", nil).expectStatus(t, http.StatusNoContent)
	ts.browser().do("POST", "/api/auth/refresh", nil, "Cookie", "__Secure-refresh_token="+refresh).expectError(t, 401, shared.CodeNotAuthenticated)
}

func TestLogoutAll_RevokesEverySession(t *testing.T) {
	ts := newTestServer(t)
	laptop := ts.browser()
	laptop.register("ann@example.com", "Ann")
	phone := ts.browser()
	phone.login("ann@example.com", testPassword).expectStatus(t, http.StatusOK)
	pair := ts.tokens("ann@example.com", testPassword)

	laptop.do("POST", "/api/auth/logout-all", nil).expectStatus(t, http.StatusNoContent)
	laptop.do("GET", "/api/me", nil).expectError(t, 401, shared.CodeNotAuthenticated)
	phone.do("GET", "/api/me", nil).expectError(t, 401, shared.CodeNotAuthenticated)
	ts.apiClient().do("GET", "/api/me", nil, bearer(pair.Access)...).expectError(t, 401, shared.CodeNotAuthenticated)
	ts.apiClient().do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).expectError(t, 401, shared.CodeNotAuthenticated)
	ts.browser().do("POST", "/api/auth/logout-all", nil).expectError(t, 401, shared.CodeNotAuthenticated)
}

func TestCSRF_CookieWritesNeedTheSessionsToken(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser()
	b.register("ann@example.com", "Ann")
	other := ts.browser()
	other.register("bob@example.com", "Bob")
	bobsToken := other.cookie("__Host-csrf_token")

	cases := []struct {
		name    string
		headers []string
	}{
		{"no header", []string{shared.CSRFHeader, ""}},
		{"wrong header", []string{shared.CSRFHeader, "forged"}},
		{"another session's token", []string{shared.CSRFHeader, bobsToken}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b.do("PATCH", "/api/me", map[string]string{"name": "Mallory"}, c.headers...).expectError(t, 403, shared.CodeCSRFFailed)
			b.do("POST", "/api/auth/logout", nil, c.headers...).expectError(t, 403, shared.CodeCSRFFailed)
		})
	}
	// A token planted in both cookie and header still fails: it is not
	// the HMAC of this session.
	b.do("PATCH", "/api/me", map[string]string{"name": "Mallory"},
		"Cookie", "__Host-access_token="+b.cookie("__Host-access_token")+"; __Host-csrf_token="+bobsToken,
		shared.CSRFHeader, bobsToken).expectError(t, 403, shared.CodeCSRFFailed)
	// Reads need no token, and the right token passes.
	b.do("GET", "/api/me", nil, shared.CSRFHeader, "").expectStatus(t, http.StatusOK)
	b.do("PATCH", "/api/me", map[string]string{"name": "Ann B"}).expectStatus(t, http.StatusOK)
}

func TestCSRF_CrossOriginBrowserRequestsAreRefused(t *testing.T) {
	ts := newTestServer(t)
	ts.browser().register("ann@example.com", "Ann")
	for _, path := range []string{"/api/auth/login", "/api/auth/register", "/api/auth/logout", "/api/auth/refresh"} {
		t.Run(path, func(t *testing.T) {
			r := ts.browser().do("POST", path, shared.LoginRequest{Email: "ann@example.com", Password: testPassword}, "Origin", "https://evil.example")
			r.expectError(t, 403, shared.CodeCSRFFailed)
			r = ts.browser().do("POST", path, shared.LoginRequest{Email: "ann@example.com", Password: testPassword}, "Sec-Fetch-Site", "cross-site")
			r.expectError(t, 403, shared.CodeCSRFFailed)
		})
	}
	// Same-origin browser requests pass.
	host := strings.TrimPrefix(ts.srv.URL, "https://")
	ts.browser().do("POST", "/api/auth/login", shared.LoginRequest{Email: "ann@example.com", Password: testPassword},
		"Origin", "https://"+host, "Sec-Fetch-Site", "same-origin").expectStatus(t, http.StatusOK)
}

func TestInsecureCookies_DropPrefixesAndSecure(t *testing.T) {
	ts := newTestServer(t, func(_ *cfgT, o *optsT) { o.InsecureCookies = true })
	r := ts.browser().do("POST", "/api/auth/register", shared.RegisterRequest{Email: "ann@example.com", Password: testPassword, Name: "Ann"})
	r.expectStatus(t, http.StatusCreated)
	names := map[string]bool{}
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		names[c.Name] = true
		if c.Secure {
			t.Errorf("cookie %s is Secure", c.Name)
		}
	}
	for _, n := range []string{"access_token", "refresh_token", "csrf_token"} {
		if !names[n] {
			t.Errorf("cookie %s missing; got %v", n, names)
		}
	}
}
