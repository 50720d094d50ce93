package httpapi_test

import (
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

func TestRegister_LogsInWithHardenedCookies(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	r := b.Do("POST", "/api/auth/register", shared.RegisterRequest{Email: " Ann@Example.COM ", Password: apitest.Password, Name: " Ann "})
	r.ExpectStatus(t, http.StatusCreated)
	var body shared.UserResponse
	r.Decode(t, &body)
	if body.User.Email != "ann@example.com" || body.User.Name != "Ann" || !body.User.IsActive || body.User.IsStaff || body.User.ID == "" {
		t.Fatalf("user = %+v", body.User)
	}
	if strings.Contains(string(r.Body), `"password`) || strings.Contains(string(r.Body), "argon2") {
		t.Fatalf("password material in %s", r.Body)
	}
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}

	cookies := map[string]*http.Cookie{}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
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
			t.Fatalf("cookie %s not set; got %v", w.name, r.Header["Set-Cookie"])
		}
		if !c.Secure || c.Path != w.path || c.SameSite != w.sameSite || c.HttpOnly != w.httpOnly || c.MaxAge <= 0 || c.Value == "" {
			t.Errorf("cookie %s = %+v", w.name, c)
		}
	}

	me := b.Do("GET", "/api/me", nil)
	me.ExpectStatus(t, http.StatusOK)
	var meBody shared.UserResponse
	me.Decode(t, &meBody)
	if meBody.User.ID != body.User.ID {
		t.Fatalf("me = %+v", meBody.User)
	}
}

func TestRegister_Errors(t *testing.T) {
	ts := apitest.NewServer(t)
	ts.Browser().Register("taken@example.com", "Taken")
	long := strings.Repeat("a", 245) + "@example.com"
	cases := []struct {
		name   string
		body   any
		status int
		code   shared.Code
		field  string
	}{
		{"missing everything", `{}`, 400, shared.CodeValidationFailed, "email"},
		{"bad email", shared.RegisterRequest{Email: "nope", Password: apitest.Password, Name: "N"}, 400, shared.CodeValidationFailed, "email"},
		{"email too long", shared.RegisterRequest{Email: long, Password: apitest.Password, Name: "N"}, 400, shared.CodeValidationFailed, "email"},
		{"short password", shared.RegisterRequest{Email: "a@example.com", Password: "short", Name: "N"}, 400, shared.CodeValidationFailed, "password"},
		{"common password", shared.RegisterRequest{Email: "a@example.com", Password: "Password1", Name: "N"}, 400, shared.CodeValidationFailed, "password"},
		{"password is email", shared.RegisterRequest{Email: "abcdefgh@example.com", Password: "ABCDEFGH@example.com", Name: "N"}, 400, shared.CodeValidationFailed, "password"},
		{"blank name", shared.RegisterRequest{Email: "a@example.com", Password: apitest.Password, Name: "   "}, 400, shared.CodeValidationFailed, "name"},
		{"long name", shared.RegisterRequest{Email: "a@example.com", Password: apitest.Password, Name: strings.Repeat("x", 101)}, 400, shared.CodeValidationFailed, "name"},
		{"taken email, other case", shared.RegisterRequest{Email: "TAKEN@example.com", Password: apitest.Password, Name: "N"}, 409, shared.CodeEmailTaken, "email"},
		{"wrong type", `{"email":1,"password":"x","name":"y"}`, 400, shared.CodeInvalidJSON, ""},
		{"malformed", `{"email":`, 400, shared.CodeInvalidJSON, ""},
		{"not an object", `[]`, 400, shared.CodeInvalidJSON, ""},
		{"empty body", ``, 400, shared.CodeInvalidJSON, ""},
		{"trailing data", `{"email":"a@example.com"} {}`, 400, shared.CodeInvalidJSON, ""},
		{"unknown field", `{"email":"a@example.com","is_staff":true}`, 400, shared.CodeInvalidJSON, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ts.Browser().Do("POST", "/api/auth/register", c.body)
			e := r.ExpectError(t, c.status, c.code)
			if c.field != "" && e.Fields[c.field] == "" {
				t.Fatalf("no message for field %q: %s", c.field, r.Body)
			}
			if len(r.Header.Values("Set-Cookie")) > 0 {
				t.Fatalf("cookies set on failure: %v", r.Header.Values("Set-Cookie"))
			}
		})
	}
	n, err := ts.Store.CountUsers(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("users = %d, %v; a failed registration wrote a record", n, err)
	}
}

// TestRegister_AnAccentTypedEitherWayIsOneAddress: "é" is one code point
// from most keyboards and "e" with a combining accent from others; both
// spell one mailbox, so they are one account: the other spelling cannot
// register it again, and signs in to it.
func TestRegister_AnAccentTypedEitherWayIsOneAddress(t *testing.T) {
	ts := apitest.NewServer(t)
	ts.Browser().Register("jos\u00e9@example.com", "Jos\u00e9")
	r := ts.Browser().Do("POST", "/api/auth/register", shared.RegisterRequest{Email: "Jose\u0301@example.com", Password: apitest.Password, Name: "Other"})
	r.ExpectError(t, http.StatusConflict, shared.CodeEmailTaken)
	ts.Browser().Login("jose\u0301@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
}

func TestRegister_ConcurrentSameEmailMakesExactlyOneAccount(t *testing.T) {
	ts := apitest.NewServer(t)
	const n = 8
	statuses := make(chan int, n)
	for range n {
		go func() {
			r := ts.Browser().Do("POST", "/api/auth/register", shared.RegisterRequest{Email: "race@example.com", Password: apitest.Password, Name: "Racer"})
			statuses <- r.Status
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
	if c, _ := ts.Store.CountUsers(t.Context()); c != 1 {
		t.Fatalf("%d accounts", c)
	}
}

func TestLogin_UnknownEmailAndWrongPasswordAnswerAlike(t *testing.T) {
	hasher := auth.NewHasher(auth.DefaultArgon2)
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.Hasher = hasher }))
	ts.Browser().Register("ann@example.com", "Ann")

	// loginCountingHashes logs in once and counts the argon2id derivations
	// the server ran for it.
	loginCountingHashes := func(email string) (apitest.Response, uint64) {
		before := hasher.Derivations()
		r := ts.Browser().Login(email, "not the password")
		return r, hasher.Derivations() - before
	}
	wrong, wrongHashes := loginCountingHashes("ann@example.com")
	unknown, unknownHashes := loginCountingHashes("nobody@example.com")
	wrong.ExpectError(t, 401, shared.CodeInvalidCredentials)
	unknown.ExpectError(t, 401, shared.CodeInvalidCredentials)
	if string(wrong.Body) != string(unknown.Body) {
		t.Fatalf("bodies differ:\n%s\n%s", wrong.Body, unknown.Body)
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
	ts := apitest.NewServer(t)
	ts.Browser().Register("ann@example.com", "Ann")
	b := ts.Browser()
	r := b.Login("ANN@example.com", apitest.Password)
	r.ExpectStatus(t, http.StatusOK)
	var body shared.UserResponse
	r.Decode(t, &body)
	if body.User.LastLogin == nil || time.Since(*body.User.LastLogin) > time.Minute {
		t.Fatalf("last_login = %v", body.User.LastLogin)
	}
	b.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)
}

func TestLogin_InactiveUserCannotLogIn(t *testing.T) {
	ts := apitest.NewServer(t)
	u := ts.Browser().Register("ann@example.com", "Ann")
	ts.SetActive(u.ID, false)
	ts.Browser().Login("ann@example.com", apitest.Password).ExpectError(t, 401, shared.CodeInvalidCredentials)
}

func TestLogin_ThrottledPerAccountAndClient(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.LoginThrottle = 3 }))
	ts.Browser().Register("ann@example.com", "Ann")
	for range 3 {
		ts.Browser().Login("ann@example.com", "wrong password!").ExpectError(t, 401, shared.CodeInvalidCredentials)
	}
	r := ts.Browser().Login("ann@example.com", apitest.Password)
	r.ExpectError(t, 429, shared.CodeRateLimited)
	if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After = %q", ra)
	}
	// Another account from the same client is not affected.
	ts.Browser().Register("bob@example.com", "Bob")
	ts.Browser().Login("bob@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	// The bucket refills: one attempt per 5 minutes with 3 per 15 minutes.
	ts.Advance(5*time.Minute + time.Second)
	ts.Browser().Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
}

func TestRegister_ThrottledPerClient(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.RegisterThrottle = 2 }))
	ts.Browser().Register("a@example.com", "A")
	ts.Browser().Register("b@example.com", "B")
	r := ts.Browser().Do("POST", "/api/auth/register", shared.RegisterRequest{Email: "c@example.com", Password: apitest.Password, Name: "C"})
	r.ExpectError(t, 429, shared.CodeRateLimited)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

func TestRefresh_RotatesCookiesAndDetectsReuse(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	first := b.Cookie("__Secure-refresh_token")
	oldAccess := b.Cookie("__Host-access_token")

	r := b.Do("POST", "/api/auth/refresh", nil)
	r.ExpectStatus(t, http.StatusOK)
	second := b.Cookie("__Secure-refresh_token")
	if second == "" || second == first || b.Cookie("__Host-access_token") == oldAccess {
		t.Fatal("cookies not rotated")
	}
	b.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)

	// Within seconds of the rotation, the old cookie coming back looks like
	// a second tab racing the first: refused, no cookies cleared or set, and
	// the session survives.
	tab := ts.Browser()
	csrf := b.Cookie("__Host-csrf_token") // one session, one token, in every tab
	r = tab.Do("POST", "/api/auth/refresh", nil, withRefreshCookie(first, csrf)...)
	r.ExpectError(t, 401, shared.CodeNotAuthenticated)
	if len(r.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("a raced refresh touched cookies: %v", r.Header.Values("Set-Cookie"))
	}
	b.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)

	// Later, a thief replays the first refresh token: reuse revokes the
	// session, so the owner's current tokens stop working too.
	ts.Advance(auth.BrowserRefreshGrace + time.Second)
	thief := ts.Browser()
	thief.Do("POST", "/api/auth/refresh", nil, withRefreshCookie(first, csrf)...).
		ExpectError(t, 401, shared.CodeNotAuthenticated)
	b.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
	b.Do("POST", "/api/auth/refresh", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
}

// A spent refresh cookie coming back within the grace from another
// browser is no race between tabs: a thief spent it first (or the owner
// did, and the thief is late). The session ends at once, for both.
func TestRefresh_ASpentCookieFromAnotherBrowserIsAReuseAtOnce(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	ann := b.Register("ann@example.com", "Ann")
	stolen, csrf := b.Cookie("__Secure-refresh_token"), b.Cookie("__Host-csrf_token")

	thief := ts.Browser()
	elsewhere := append(withRefreshCookie(stolen, csrf), "User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Thief/1.0")
	thief.Do("POST", "/api/auth/refresh", nil, elsewhere...).ExpectStatus(t, http.StatusOK)

	// The owner's tab, a second later, with the cookie the thief spent.
	r := b.Do("POST", "/api/auth/refresh", nil)
	r.ExpectError(t, 401, shared.CodeNotAuthenticated)
	if len(r.Header.Values("Set-Cookie")) == 0 {
		t.Fatal("a reuse left the owner's cookies in place, as for a race")
	}
	// The thief's new cookies died with the session.
	thief.Do("POST", "/api/auth/refresh", nil, "User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Thief/1.0").
		ExpectError(t, 401, shared.CodeNotAuthenticated)
	reuses, err := ts.Store.ListEvents(t.Context(), store.EventFilter{UserID: ann.ID, Type: string(shared.EventRefreshTokenReused), Limit: 10})
	if err != nil || len(reuses) != 1 {
		t.Fatalf("reuse events on the account: %v, %v; want one", reuses, err)
	}
}

// A thief spent the owner's refresh cookie first, from another browser;
// the owner's access token has expired, so their logout goes by that
// spent cookie. It is a reuse, as at a refresh: the session ends for the
// thief too, and the account records it (before, the logout answered 204
// and ended nothing, the cookie standing for no session).
func TestLogout_WithACookieAThiefSpentEndsTheSession(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.AccessTTL = time.Minute }))
	b := ts.Browser()
	ann := b.Register("ann@example.com", "Ann")
	stolen, csrf := b.Cookie("__Secure-refresh_token"), b.Cookie("__Host-csrf_token")

	const thiefUA = "Mozilla/5.0 (X11; Linux x86_64) Thief/1.0"
	thief := ts.Browser()
	thief.Do("POST", "/api/auth/refresh", nil, append(withRefreshCookie(stolen, csrf), "User-Agent", thiefUA)...).
		ExpectStatus(t, http.StatusOK)

	ts.Advance(2 * time.Minute) // the owner's access token expires
	// Without the session's CSRF token the spent cookie changes nothing.
	b.Do("POST", "/api/auth/logout", nil, shared.CSRFHeader, "forged").ExpectError(t, http.StatusForbidden, shared.CodeCSRFFailed)
	thief.Do("POST", "/api/auth/refresh", nil, "User-Agent", thiefUA).ExpectStatus(t, http.StatusOK)

	b.Do("POST", "/api/auth/logout", nil).ExpectStatus(t, http.StatusNoContent)
	thief.Do("POST", "/api/auth/refresh", nil, "User-Agent", thiefUA).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	reuses, err := ts.Store.ListEvents(t.Context(), store.EventFilter{UserID: ann.ID, Type: string(shared.EventRefreshTokenReused), Limit: 10})
	if err != nil || len(reuses) != 1 {
		t.Fatalf("reuse events on the account: %v, %v; want one", reuses, err)
	}
}

// A refresh that meets a database unable to take its write answers 503,
// "retry in a few seconds": it must leave the cookies of the session,
// which is still live, for that retry (it cleared them, signing the user
// out through a passing outage).
func TestRefresh_AnOutageKeepsTheCookies(t *testing.T) {
	ts := apitest.NewServer(t)
	if ts.Store.IsPostgres() {
		t.Skip("the outage is SQLite's file moved away; the handler's rule is the same on PostgreSQL")
	}
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")

	var seq int
	var name, path string
	if err := ts.Store.DB().QueryRowContext(t.Context(), "PRAGMA database_list").Scan(&seq, &name, &path); err != nil {
		t.Fatal(err)
	}
	// The file moved away (the store's own test of an unavailable
	// database): reads on open connections go on, writes get 503.
	if err := os.Rename(path, path+".away"); err != nil {
		t.Fatal(err)
	}
	r := b.Do("POST", "/api/auth/refresh", nil)
	if err := os.Rename(path+".away", path); err != nil {
		t.Fatal(err)
	}
	r.ExpectError(t, http.StatusServiceUnavailable, shared.CodeUnavailable)
	if got := r.Header.Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("a 503 changed the cookies: %v", got)
	}
	b.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
}

// TestRefresh_AnswersTheSameUserAsGetMe: the cookie refresh answers with
// the whole user object, has_password included (it was false for every
// account, the rotation's read leaving out the password hash).
func TestRefresh_AnswersTheSameUserAsGetMe(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")

	r := b.Do("POST", "/api/auth/refresh", nil)
	r.ExpectStatus(t, http.StatusOK)
	var refreshed, me map[string]any
	r.Decode(t, &refreshed)
	b.Do("GET", "/api/me", nil).Decode(t, &me)
	if refreshed["user"].(map[string]any)["has_password"] != true {
		t.Errorf("refresh: has_password = %v, want true", refreshed["user"].(map[string]any)["has_password"])
	}
	if !reflect.DeepEqual(refreshed, me) {
		t.Errorf("refresh answered %v\nGET /api/me answers %v", refreshed, me)
	}
}

func TestRefresh_TwoTabsRacingDoNotLogTheUserOut(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	const tabs = 4
	statuses := make(chan int, tabs)
	for range tabs {
		go func() { statuses <- b.Do("POST", "/api/auth/refresh", nil).Status }()
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
	b.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)
	b.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
}

func TestRefresh_ConcurrentSpendOfOneTokenLetsOnlyOneWin(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	pair := ts.Tokens("ann@example.com", apitest.Password)
	const n = 6
	statuses := make(chan int, n)
	for range n {
		go func() {
			statuses <- ts.TokenClient().Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).Status
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
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.RefreshTTL = time.Hour }))
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	ts.Advance(time.Hour + time.Second)
	b.Do("POST", "/api/auth/refresh", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
}

func TestAccessToken_ExpiresIntoTokenExpiredThenRefreshes(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.AccessTTL = time.Minute }))
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	ts.Advance(2 * time.Minute)
	b.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeTokenExpired)
	b.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	b.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)
}

func TestLogout_TakesEffectAtOnce(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	access := b.Cookie("__Host-access_token")
	refresh := b.Cookie("__Secure-refresh_token")
	csrf := b.Cookie("__Host-csrf_token")

	r := b.Do("POST", "/api/auth/logout", nil)
	r.ExpectStatus(t, http.StatusNoContent)
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.MaxAge >= 0 {
			t.Errorf("cookie %s not cleared: %+v", c.Name, c)
		}
	}
	// The old tokens are dead, even if the client kept copies.
	replay := ts.Browser()
	replay.Do("GET", "/api/me", nil, "Cookie", "__Host-access_token="+access).ExpectError(t, 401, shared.CodeNotAuthenticated)
	ts.TokenClient().Do("GET", "/api/me", nil, apitest.Bearer(access)...).ExpectError(t, 401, shared.CodeNotAuthenticated)
	replay.Do("POST", "/api/auth/refresh", nil, withRefreshCookie(refresh, csrf)...).ExpectError(t, 401, shared.CodeNotAuthenticated)
	// Logging out again is harmless.
	b.Do("POST", "/api/auth/logout", nil).ExpectStatus(t, http.StatusNoContent)
}

func TestLogout_WorksWithOnlyTheRefreshCookieAfterAccessExpiry(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.AccessTTL = time.Minute }))
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	refresh, csrf := b.Cookie("__Secure-refresh_token"), b.Cookie("__Host-csrf_token")
	ts.Advance(2 * time.Minute)
	b.Do("POST", "/api/auth/logout", nil).ExpectStatus(t, http.StatusNoContent)
	ts.Browser().Do("POST", "/api/auth/refresh", nil, withRefreshCookie(refresh, csrf)...).ExpectError(t, 401, shared.CodeNotAuthenticated)
}

// withRefreshCookie is the extra headers of a browser request that
// carries a refresh cookie and CSRF token copied from another browser: a
// second tab of it, or a thief who took every cookie.
func withRefreshCookie(refresh, csrf string) []string {
	return []string{"Cookie", "__Secure-refresh_token=" + refresh + "; __Host-csrf_token=" + csrf, shared.CSRFHeader, csrf}
}

func TestRefresh_NeedsTheSessionsCSRFToken(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	other := ts.Browser()
	other.Register("bob@example.com", "Bob")
	refresh := b.Cookie("__Secure-refresh_token")

	for name, header := range map[string]string{
		"missing":                 "",
		"garbage":                 "not-a-token",
		"another session's token": other.Cookie("__Host-csrf_token"),
	} {
		r := b.Do("POST", "/api/auth/refresh", nil, shared.CSRFHeader, header)
		r.ExpectError(t, http.StatusForbidden, shared.CodeCSRFFailed)
		if len(r.Header.Values("Set-Cookie")) != 0 {
			t.Fatalf("%s: a refused refresh touched cookies: %v", name, r.Header.Values("Set-Cookie"))
		}
	}
	// Nothing was spent: the same cookie, with its token, still refreshes.
	if b.Cookie("__Secure-refresh_token") != refresh {
		t.Fatal("the refresh cookie changed")
	}
	b.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	b.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)
	// A cookie that names no session is still a plain 401.
	ts.Browser().Do("POST", "/api/auth/refresh", nil, withRefreshCookie("unknown", "x")...).
		ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
}

func TestLogoutAll_RevokesEverySession(t *testing.T) {
	ts := apitest.NewServer(t)
	laptop := ts.Browser()
	laptop.Register("ann@example.com", "Ann")
	phone := ts.Browser()
	phone.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	pair := ts.Tokens("ann@example.com", apitest.Password)

	laptop.Do("POST", "/api/auth/logout-all", nil).ExpectStatus(t, http.StatusNoContent)
	laptop.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
	phone.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
	ts.TokenClient().Do("GET", "/api/me", nil, apitest.Bearer(pair.Access)...).ExpectError(t, 401, shared.CodeNotAuthenticated)
	ts.TokenClient().Do("POST", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}).ExpectError(t, 401, shared.CodeNotAuthenticated)
	ts.Browser().Do("POST", "/api/auth/logout-all", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
}

func TestCSRF_CookieWritesNeedTheSessionsToken(t *testing.T) {
	ts := apitest.NewServer(t)
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	other := ts.Browser()
	other.Register("bob@example.com", "Bob")
	bobsToken := other.Cookie("__Host-csrf_token")

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
			b.Do("PATCH", "/api/me", map[string]string{"name": "Mallory"}, c.headers...).ExpectError(t, 403, shared.CodeCSRFFailed)
			b.Do("POST", "/api/auth/logout", nil, c.headers...).ExpectError(t, 403, shared.CodeCSRFFailed)
		})
	}
	// A token planted in both cookie and header still fails: it is not
	// the HMAC of this session.
	b.Do("PATCH", "/api/me", map[string]string{"name": "Mallory"},
		"Cookie", "__Host-access_token="+b.Cookie("__Host-access_token")+"; __Host-csrf_token="+bobsToken,
		shared.CSRFHeader, bobsToken).ExpectError(t, 403, shared.CodeCSRFFailed)
	// Reads need no token, and the right token passes.
	b.Do("GET", "/api/me", nil, shared.CSRFHeader, "").ExpectStatus(t, http.StatusOK)
	b.Do("PATCH", "/api/me", map[string]string{"name": "Ann B"}).ExpectStatus(t, http.StatusOK)
}

func TestCSRF_CrossOriginBrowserRequestsAreRefused(t *testing.T) {
	ts := apitest.NewServer(t)
	ts.Browser().Register("ann@example.com", "Ann")
	for _, path := range []string{"/api/auth/login", "/api/auth/register", "/api/auth/logout", "/api/auth/refresh"} {
		t.Run(path, func(t *testing.T) {
			r := ts.Browser().Do("POST", path, shared.LoginRequest{Email: "ann@example.com", Password: apitest.Password}, "Origin", "https://evil.example")
			r.ExpectError(t, 403, shared.CodeCSRFFailed)
			r = ts.Browser().Do("POST", path, shared.LoginRequest{Email: "ann@example.com", Password: apitest.Password}, "Sec-Fetch-Site", "cross-site")
			r.ExpectError(t, 403, shared.CodeCSRFFailed)
		})
	}
	// Same-origin browser requests pass.
	host := strings.TrimPrefix(ts.URL, "https://")
	ts.Browser().Do("POST", "/api/auth/login", shared.LoginRequest{Email: "ann@example.com", Password: apitest.Password},
		"Origin", "https://"+host, "Sec-Fetch-Site", "same-origin").ExpectStatus(t, http.StatusOK)
}

func TestInsecureCookies_DropPrefixesAndSecure(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithOptions(func(o *httpapi.Options) { o.InsecureCookies = true }))
	r := ts.Browser().Do("POST", "/api/auth/register", shared.RegisterRequest{Email: "ann@example.com", Password: apitest.Password, Name: "Ann"})
	r.ExpectStatus(t, http.StatusCreated)
	names := map[string]bool{}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
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

// TestLogoutAll_StaleRefreshCookiesEndNoOtherSession: logging out with
// only the refresh cookie (its access token expired) needs a refresh token
// that still stands for a live session. The cookies of a session that was
// signed out, or a refresh token spent long ago, are what a thief of an
// old device or a copied browser profile holds: they must not sign the
// owner out of every other device (they did: the refresh cookie was looked
// up whatever its state, and logout-all ended every session of its user).
// The spent one is a reuse, as it would be at a refresh: it ends its own
// session, and only that one.
func TestLogoutAll_StaleRefreshCookiesEndNoOtherSession(t *testing.T) {
	ts := apitest.NewServer(t)
	phone := ts.Browser()
	phone.Register("ann@example.com", "Ann")

	// A device its owner signed out.
	lost := ts.Browser()
	lost.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	signedOut := withRefreshCookie(lost.Cookie("__Secure-refresh_token"), lost.Cookie("__Host-csrf_token"))
	lost.Do("POST", "/api/auth/logout", nil).ExpectStatus(t, http.StatusNoContent)

	// A refresh token spent well before it comes back.
	laptop := ts.Browser()
	laptop.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	spent := withRefreshCookie(laptop.Cookie("__Secure-refresh_token"), laptop.Cookie("__Host-csrf_token"))
	laptop.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	ts.Advance(auth.BrowserRefreshGrace + time.Second)

	for name, cookies := range map[string][]string{"signed out": signedOut, "spent": spent} {
		ts.Browser().Do("POST", "/api/auth/logout-all", nil, cookies...).
			ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
		phone.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)
		if name == "spent" {
			laptop.Do("GET", "/api/me", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
		}
	}
	// The owner's own, current refresh cookie still logs out everywhere.
	other := ts.Browser()
	other.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	ts.Advance(10 * time.Minute) // the access tokens expire
	phone.Do("POST", "/api/auth/logout-all", nil).ExpectStatus(t, http.StatusNoContent)
	other.Do("POST", "/api/auth/refresh", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
}

// A refresh cookie spent a moment ago logs out from the tab that raced
// the spender (same browser), but not from another browser: that is a
// copy, a reuse that ends its own session as a refresh with it would,
// and no other.
func TestLogoutAll_ACookieJustSpentElsewhereEndsOnlyItsSession(t *testing.T) {
	ts := apitest.NewServer(t)
	phone := ts.Browser()
	phone.Register("ann@example.com", "Ann")
	laptop := ts.Browser()
	laptop.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	copied := withRefreshCookie(laptop.Cookie("__Secure-refresh_token"), laptop.Cookie("__Host-csrf_token"))
	laptop.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)

	elsewhere := append(slices.Clone(copied), "User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Thief/1.0")
	ts.Browser().Do("POST", "/api/auth/logout-all", nil, elsewhere...).
		ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	phone.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK)
	laptop.Do("GET", "/api/me", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)

	// Another laptop tab, with the cookie its first tab just rotated.
	laptop.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	copied = withRefreshCookie(laptop.Cookie("__Secure-refresh_token"), laptop.Cookie("__Host-csrf_token"))
	laptop.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	ts.Browser().Do("POST", "/api/auth/logout-all", nil, copied...).ExpectStatus(t, http.StatusNoContent)
	phone.Do("GET", "/api/me", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	laptop.Do("GET", "/api/me", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
}

// A sibling subdomain can plant a __Secure- cookie (only __Host- forbids
// a Domain), with a longer Path or an older creation so that browsers
// send it before the real one. The refresh and the logout use the refresh
// cookie of the session the CSRF header names, so a planted one, whether
// made up or the planter's own, neither logs the owner out at their next
// refresh nor keeps their logout from ending the session.
func TestRefresh_APlantedRefreshCookieShadowsNothing(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.AccessTTL = time.Minute }))
	mallory := ts.Browser()
	mallory.Register("mallory@example.com", "Mallory")
	for name, planted := range map[string]string{
		"made up":           "planted-by-a-sibling-subdomain",
		"the planter's own": mallory.Cookie("__Secure-refresh_token"),
	} {
		t.Run(name, func(t *testing.T) {
			b := ts.Browser()
			b.Register(strings.ReplaceAll(name, " ", "")+"@example.com", "Ann")
			plant := []string{"Cookie", "__Secure-refresh_token=" + planted} // sent before the jar's
			r := b.Do("POST", "/api/auth/refresh", nil, plant...)
			r.ExpectStatus(t, http.StatusOK)
			var got shared.UserResponse
			r.Decode(t, &got)
			if got.User.Name != "Ann" {
				t.Fatalf("refreshed %q's session", got.User.Name)
			}
			refresh, csrf := b.Cookie("__Secure-refresh_token"), b.Cookie("__Host-csrf_token")
			ts.Advance(2 * time.Minute) // the access token expires: the logout goes by the refresh cookie
			b.Do("POST", "/api/auth/logout", nil, plant...).ExpectStatus(t, http.StatusNoContent)
			ts.Browser().Do("POST", "/api/auth/refresh", nil, withRefreshCookie(refresh, csrf)...).
				ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
		})
	}
}
