package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authkit/authkit/shared"
)

// fakeAPI is a small stand-in for the server's session rules: an access
// cookie that expires on demand, a refresh cookie that rotates and must not
// be spent twice, and the CSRF double-submit check.
type fakeAPI struct {
	t         *testing.T
	mu        sync.Mutex
	access    string // the valid access cookie value; others are expired
	refresh   string // the valid refresh cookie value
	rotations int
	refreshes atomic.Int32
	reused    atomic.Int32 // refreshes that presented a spent token
	meCalls   atomic.Int32

	refreshDelay time.Duration
	otherTabWins int            // refreshes refused as lost to another tab
	otherTabLate bool           // that tab's cookies land only after the refusal
	previous     string         // the refresh cookie the other tab spent
	landing      []*http.Cookie // the other tab's cookies, not yet in the jar
	jar          http.CookieJar
	base         *url.URL
	refreshed    chan struct{} // closed after the first rotation
	stale        chan struct{} // a /api/me request has arrived with an old cookie
	lastCSRF     atomic.Value  // header of the last unsafe request
}

func newFakeAPI(t *testing.T) (*fakeAPI, *Client) {
	t.Helper()
	f := &fakeAPI{t: t, access: "a0", refresh: "r0", refreshed: make(chan struct{}), stale: make(chan struct{}, 16)}
	srv := httptest.NewServer(f.routes())
	t.Cleanup(srv.Close)

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(srv.URL)
	f.jar, f.base = jar, base
	jar.SetCookies(base, []*http.Cookie{
		{Name: shared.AccessCookie, Value: "a0", Path: "/"},
		{Name: shared.RefreshCookie, Value: "r0", Path: "/api/auth"},
		{Name: shared.CSRFCookie, Value: "csrf-1", Path: "/"},
	})
	csrf := func() string {
		for _, c := range jar.Cookies(base) {
			if c.Name == shared.CSRFCookie {
				return c.Value
			}
		}
		return ""
	}
	return f, NewClient(srv.URL, HTTPSender(&http.Client{Jar: jar, Timeout: 5 * time.Second, Transport: taggingTransport{http.DefaultTransport}}), csrf)
}

// land puts the other tab's cookies in the shared jar (f.mu held).
func (f *fakeAPI) land() {
	if f.landing != nil {
		f.jar.SetCookies(f.base, f.landing)
		f.landing = nil
	}
}

// expire makes the current access cookie stale, as time would.
func (f *fakeAPI) expire() {
	f.mu.Lock()
	f.access = "expired-forever"
	f.mu.Unlock()
}

func (f *fakeAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		f.meCalls.Add(1)
		c, err := r.Cookie(shared.AccessCookie)
		f.mu.Lock()
		valid := err == nil && c.Value == f.access
		f.land()
		f.mu.Unlock()
		switch {
		case err != nil:
			writeError(w, shared.CodeNotAuthenticated, "Please log in.", nil)
		case !valid:
			if r.Header.Get("X-Test-Stale") != "" {
				f.stale <- struct{}{}
				<-f.refreshed // answer only once another caller has refreshed
			}
			writeError(w, shared.CodeTokenExpired, "The access token has expired.", nil)
		default:
			writeJSON(w, http.StatusOK, shared.UserResponse{User: shared.User{ID: "u1", Name: "Ann"}})
		}
	})
	mux.HandleFunc("POST /api/auth/refresh", func(w http.ResponseWriter, r *http.Request) {
		f.refreshes.Add(1)
		f.lastCSRF.Store(r.Header.Get(shared.CSRFHeader))
		time.Sleep(f.refreshDelay)
		c, err := r.Cookie(shared.RefreshCookie)
		f.mu.Lock()
		defer f.mu.Unlock()
		if err == nil && c.Value == f.refresh && f.otherTabWins > 0 {
			// Another tab sent the same cookie a moment before and
			// rotated the session; its new cookies reach the shared jar
			// at once, or with otherTabLate only once this client's
			// next request is on its way.
			f.otherTabWins--
			f.previous = f.refresh
			f.rotations++
			f.access, f.refresh = "a"+itoa(f.rotations), "r"+itoa(f.rotations)
			f.landing = []*http.Cookie{{Name: shared.AccessCookie, Value: f.access, Path: "/"}, {Name: shared.RefreshCookie, Value: f.refresh, Path: "/api/auth"}}
			if !f.otherTabLate {
				f.land()
			}
		}
		if err == nil && c.Value == f.previous {
			// Spent a moment ago by the other tab: refused as raced,
			// the cookies kept.
			writeError(w, shared.CodeNotAuthenticated, "This session was refreshed by another tab a moment ago. Retry the request.", nil)
			return
		}
		if err != nil || c.Value != f.refresh {
			f.reused.Add(1)
			// As the server does, a refused refresh clears the cookies.
			for _, name := range []string{shared.AccessCookie, shared.RefreshCookie, shared.CSRFCookie} {
				http.SetCookie(w, &http.Cookie{Name: name, Path: "/", MaxAge: -1})
			}
			http.SetCookie(w, &http.Cookie{Name: shared.RefreshCookie, Path: "/api/auth", MaxAge: -1})
			writeError(w, shared.CodeNotAuthenticated, "Please log in.", nil)
			return
		}
		f.rotations++
		f.access, f.refresh = "a"+itoa(f.rotations), "r"+itoa(f.rotations)
		http.SetCookie(w, &http.Cookie{Name: shared.AccessCookie, Value: f.access, Path: "/"})
		http.SetCookie(w, &http.Cookie{Name: shared.RefreshCookie, Value: f.refresh, Path: "/api/auth"})
		if f.rotations == 1 {
			close(f.refreshed)
		}
		writeJSON(w, http.StatusOK, shared.UserResponse{User: shared.User{ID: "u1"}})
	})
	mux.HandleFunc("POST /api/auth/login", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, shared.CodeInvalidCredentials, "Email or password is incorrect.", nil)
	})
	mux.HandleFunc("PATCH /api/me", func(w http.ResponseWriter, r *http.Request) {
		f.lastCSRF.Store(r.Header.Get(shared.CSRFHeader))
		var req shared.UpdateProfileRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.Header.Get("Content-Type") != "application/json" {
			writeError(w, shared.CodeInvalidJSON, "bad body", nil)
			return
		}
		writeError(w, shared.CodeValidationFailed, "Some fields need attention.", map[string]string{"name": "Enter your name."})
	})
	mux.HandleFunc("POST /api/auth/register", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", r.URL.Query().Get("wait"))
		writeError(w, shared.CodeRateLimited, "server wording", nil)
	})
	mux.HandleFunc("GET /api/me/sessions", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html>bad gateway</html>"))
	})
	return mux
}

func itoa(n int) string { return string(rune('0' + n)) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code shared.Code, msg string, fields map[string]string) {
	writeJSON(w, code.Status(), shared.ErrorBody{Error: &shared.Error{Code: code, Message: msg, Fields: fields}})
}

func TestClient_ExpiredAccessTokenIsRefreshedOnceAndTheRequestRetried(t *testing.T) {
	f, c := newFakeAPI(t)
	f.expire()

	user, err := c.Me(context.Background())
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	if user.Name != "Ann" {
		t.Errorf("user = %+v", user)
	}
	if got := f.refreshes.Load(); got != 1 {
		t.Errorf("refreshes = %d, want 1", got)
	}
	if got := f.meCalls.Load(); got != 2 {
		t.Errorf("GET /api/me calls = %d, want 2 (first try and retry)", got)
	}
	if got := f.lastCSRF.Load(); got != "csrf-1" {
		t.Errorf("refresh sent CSRF header %q, want csrf-1", got)
	}
}

func TestClient_ConcurrentRequestsShareOneRefresh(t *testing.T) {
	f, c := newFakeAPI(t)
	f.refreshDelay = 100 * time.Millisecond
	f.expire()

	const callers = 12
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			_, err := c.Me(context.Background())
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Me: %v", err)
		}
	}
	if got := f.refreshes.Load(); got != 1 {
		t.Errorf("refreshes = %d, want 1", got)
	}
	if got := f.reused.Load(); got != 0 {
		t.Errorf("%d refreshes spent a used refresh token", got)
	}
}

// A request sent with the old access cookie whose 401 arrives after
// another caller's refresh finished must not refresh again: the new
// cookies are already in place.
func TestClient_RequestThatRacedARefreshRetriesWithoutRefreshingAgain(t *testing.T) {
	f, c := newFakeAPI(t)
	f.expire()

	staleErr := make(chan error, 1)
	go func() {
		ctx := context.Background()
		seen := c.refreshCount()
		err := c.send(withHeader(ctx, "X-Test-Stale"), http.MethodGet, "/api/me", nil, nil)
		if !c.worthRefreshing(err) {
			staleErr <- errors.New("stale request was not answered token_expired")
			return
		}
		if err := c.refresh(ctx, seen); err != nil {
			staleErr <- err
			return
		}
		staleErr <- c.send(ctx, http.MethodGet, "/api/me", nil, nil)
	}()
	<-f.stale // the stale request is at the server, holding the old cookie

	if _, err := c.Me(context.Background()); err != nil {
		t.Fatalf("Me: %v", err)
	}
	if err := <-staleErr; err != nil {
		t.Fatalf("stale request: %v", err)
	}
	if got := f.refreshes.Load(); got != 1 {
		t.Errorf("refreshes = %d, want 1", got)
	}
}

// Two tabs' access cookies expire at once and both refresh with the same
// cookie: the server rotates it for the first and refuses the second as
// raced, keeping the session. The second tab's request goes on with the
// first tab's new cookies (the browser's jar is shared) instead of
// sending its user to the login form.
func TestClient_ARefreshLostToAnotherTabRetriesWithItsCookies(t *testing.T) {
	for _, late := range []bool{false, true} {
		f, c := newFakeAPI(t)
		f.expire()
		f.otherTabWins, f.otherTabLate = 1, late

		user, err := c.Me(context.Background())
		if err != nil || user.Name != "Ann" {
			t.Fatalf("late %v: Me: %+v, %v", late, user, err)
		}
		if got := f.reused.Load(); got != 0 {
			t.Errorf("late %v: %d refreshes spent a used refresh token", late, got)
		}
	}
}

func TestClient_NotAuthenticatedWithoutCSRFCookieDoesNotRefresh(t *testing.T) {
	f, _ := newFakeAPI(t)
	srv := httptest.NewServer(f.routes())
	defer srv.Close()
	c := NewClient(srv.URL, HTTPSender(srv.Client()), func() string { return "" })

	_, err := c.Me(context.Background())
	if !HasCode(err, shared.CodeNotAuthenticated) || !isSignedOut(err) {
		t.Fatalf("Me: %v, want not_authenticated", err)
	}
	if got := f.refreshes.Load(); got != 0 {
		t.Errorf("refreshes = %d, want 0: nobody was ever signed in", got)
	}
}

func TestClient_NotAuthenticatedWithCSRFCookieTriesARefresh(t *testing.T) {
	f, _ := newFakeAPI(t)
	srv := httptest.NewServer(f.routes())
	defer srv.Close()
	// No cookies but a CSRF token: the refresh is tried, fails (which
	// clears the CSRF cookie too), and the caller hears the original answer.
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(srv.URL)
	jar.SetCookies(base, []*http.Cookie{{Name: shared.CSRFCookie, Value: "csrf-1", Path: "/"}})
	csrf := func() string {
		if cs := jar.Cookies(base); len(cs) > 0 {
			return cs[0].Value
		}
		return ""
	}
	c := NewClient(srv.URL, HTTPSender(&http.Client{Jar: jar}), csrf)

	_, err = c.Me(context.Background())
	if !HasCode(err, shared.CodeNotAuthenticated) {
		t.Fatalf("Me: %v, want not_authenticated", err)
	}
	if got := f.refreshes.Load(); got != 1 {
		t.Errorf("refreshes = %d, want 1", got)
	}
}

func TestClient_FailedRefreshReportsTheSessionAsOver(t *testing.T) {
	f, c := newFakeAPI(t)
	f.expire()
	f.mu.Lock()
	f.refresh = "revoked-elsewhere"
	f.mu.Unlock()

	_, err := c.Me(context.Background())
	if !isSignedOut(err) {
		t.Fatalf("Me: %v, want an error meaning signed out", err)
	}
	if got := f.meCalls.Load(); got != 1 {
		t.Errorf("GET /api/me calls = %d, want 1: no retry after a failed refresh", got)
	}
}

func TestClient_LoginFailureNeverRefreshes(t *testing.T) {
	f, c := newFakeAPI(t)
	_, err := c.Login(context.Background(), shared.LoginRequest{Email: "a@b.co", Password: "x"})
	if !HasCode(err, shared.CodeInvalidCredentials) {
		t.Fatalf("Login: %v", err)
	}
	if got := describeError(err); got != "Email or password is incorrect." {
		t.Errorf("message = %q", got)
	}
	if got := f.refreshes.Load(); got != 0 {
		t.Errorf("refreshes = %d, want 0", got)
	}
}

func TestClient_UnsafeRequestsCarryCSRFTokenAndJSON(t *testing.T) {
	f, c := newFakeAPI(t)
	name := "Ann"
	_, err := c.UpdateProfile(context.Background(), shared.UpdateProfileRequest{Name: &name})
	if got := fieldErrors(err); got["name"] != "Enter your name." {
		t.Fatalf("UpdateProfile: %v, fields %v", err, got)
	}
	if got := f.lastCSRF.Load(); got != "csrf-1" {
		t.Errorf("X-CSRF-Token = %q, want csrf-1", got)
	}
}

func TestClient_RateLimitSaysHowLongToWait(t *testing.T) {
	_, c := newFakeAPI(t)
	cases := map[string]string{
		"120": "Too many attempts. Try again in 2 minutes.",
		"61":  "Too many attempts. Try again in 2 minutes.",
		"30":  "Too many attempts. Try again in 1 minute.",
		"":    "Too many attempts. Try again in a few minutes.",
	}
	for wait, want := range cases {
		_, err := registerWithWait(c, wait)
		if !HasCode(err, shared.CodeRateLimited) {
			t.Fatalf("Retry-After %q: %v", wait, err)
		}
		if got := describeError(err); got != want {
			t.Errorf("Retry-After %q: message %q, want %q", wait, got, want)
		}
	}
}

func registerWithWait(c *Client, wait string) (shared.User, error) {
	var resp shared.UserResponse
	err := c.send(context.Background(), http.MethodPost, "/api/auth/register?wait="+wait, shared.RegisterRequest{}, &resp)
	return resp.User, err
}

func TestClient_ErrorPagesThatAreNotJSONGetAPlainMessage(t *testing.T) {
	_, c := newFakeAPI(t)
	_, err := c.Sessions(context.Background())
	if !HasCode(err, shared.CodeUnavailable) {
		t.Fatalf("Sessions: %v, want unavailable", err)
	}
	if got := describeError(err); got == "" || got[0] == '<' {
		t.Errorf("message = %q", got)
	}
}

// TestClient_ATooLargeBodyIsExplainedInPlainWords: a 413, the server's
// (which counts bytes) or a proxy's HTML page (whose limit may be lower),
// says to send less, not that the server failed or how many bytes.
func TestClient_ATooLargeBodyIsExplainedInPlainWords(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/notes/proxy" {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			w.Write([]byte("<html><body><h1>413 Request Entity Too Large</h1></body></html>"))
			return
		}
		writeError(w, shared.CodeBodyTooLarge, "The request body is larger than 1048576 bytes.", nil)
	}))
	t.Cleanup(srv.Close)
	c := NewClient(srv.URL, HTTPSender(srv.Client()), func() string { return "" })
	for _, path := range []string{"/api/notes", "/api/notes/proxy"} {
		err := c.Call(context.Background(), http.MethodPost, path, map[string]string{"body": "…"}, nil)
		if !HasCode(err, shared.CodeBodyTooLarge) {
			t.Fatalf("%s: %v, want body_too_large", path, err)
		}
		if got, want := describeError(err), "That is too long to send. Shorten it, then try again."; got != want {
			t.Errorf("%s: message %q, want %q", path, got, want)
		}
	}
}

func TestClient_UnreachableServerSaysSo(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c := NewClient(srv.URL, HTTPSender(&http.Client{Timeout: 2 * time.Second}), func() string { return "" })

	_, err := c.Me(context.Background())
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Me: %v, want ErrUnreachable", err)
	}
	want := "Could not reach the server. Check your connection and try again."
	if got := describeError(err); got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

func TestCSRFFromCookies(t *testing.T) {
	cases := []struct{ cookies, want string }{
		{"", ""},
		{"theme=dark", ""},
		{"csrf_token=plain", "plain"},
		{"__Host-csrf_token=host; other=1", "host"},
		{"csrf_token=plain; __Host-csrf_token=host", "host"},
		{"x_csrf_token=nope; csrf_token=yes", "yes"},
	}
	for _, tc := range cases {
		if got := csrfFromCookies(tc.cookies); got != tc.want {
			t.Errorf("csrfFromCookies(%q) = %q, want %q", tc.cookies, got, tc.want)
		}
	}
}

// withHeader marks a request so that taggingTransport adds the header
// name to it; the fake server reacts to such test-only headers.
func withHeader(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, headerKey{}, name)
}

type headerKey struct{}

type taggingTransport struct{ base http.RoundTripper }

func (t taggingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if name, ok := r.Context().Value(headerKey{}).(string); ok {
		r = r.Clone(r.Context())
		r.Header.Set(name, "1")
	}
	return t.base.RoundTrip(r)
}
