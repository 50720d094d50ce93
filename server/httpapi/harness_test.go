package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/mail"
	"github.com/authkit/authkit/server/notes"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// testServer is the real API on a real database (a SQLite file, or
// PostgreSQL: see storetest), served over TLS on loopback (so Secure cookies flow as they do in browsers).
type testServer struct {
	t     *testing.T
	srv   *httptest.Server
	store *store.Store
	svc   *auth.Service
	now   *atomic.Pointer[time.Time] // the service's clock; nil value = real time
}

type serverOption func(*auth.Config, *httpapi.Options)

func withConfig(f func(*auth.Config)) serverOption {
	return func(c *auth.Config, _ *httpapi.Options) { f(c) }
}

func newTestServer(t *testing.T, opts ...serverOption) *testServer {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	ts := &testServer{t: t, store: st, now: new(atomic.Pointer[time.Time])}
	cfg := auth.Config{
		Now: func() time.Time {
			if p := ts.now.Load(); p != nil {
				return *p
			}
			return time.Now()
		},
	}
	hopts := httpapi.Options{Modules: []httpapi.Module{notes.Module{}}}
	if _, err := st.Migrate(ctx, httpapi.ModuleMigrations(hopts.Modules)...); err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(&cfg, &hopts)
	}
	var err error
	if ts.svc, err = auth.New(ctx, st, cfg); err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(ts.svc, st, hopts)
	if err != nil {
		t.Fatal(err)
	}
	ts.srv = httptest.NewUnstartedServer(api)
	ts.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // clients hanging up mid-handshake at cleanup
	ts.srv.StartTLS()
	t.Cleanup(ts.srv.Close)
	return ts
}

// advance moves the service's clock forward.
func (ts *testServer) advance(d time.Duration) {
	now := time.Now()
	if p := ts.now.Load(); p != nil {
		now = *p
	}
	now = now.Add(d)
	ts.now.Store(&now)
}

// browser is a client with a cookie jar that sends the CSRF header the
// way the web app does.
type browser struct {
	ts     *testServer
	client *http.Client
	noCSRF bool
}

func (ts *testServer) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := ts.srv.Client()
	client := &http.Client{Transport: c.Transport, Jar: jar}
	return &browser{ts: ts, client: client}
}

// apiClient is a client without cookies (the token flow).
func (ts *testServer) apiClient() *browser {
	return &browser{ts: ts, client: ts.srv.Client(), noCSRF: true}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

func (r response) errorBody(t *testing.T) *shared.Error {
	t.Helper()
	var body shared.ErrorBody
	r.decode(t, &body)
	if body.Error == nil {
		t.Fatalf("no error in body %s", r.body)
	}
	return body.Error
}

// expectError checks the status and code of an error response.
func (r response) expectError(t *testing.T, status int, code shared.Code) *shared.Error {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	e := r.errorBody(t)
	if e.Code != code {
		t.Fatalf("code = %q, want %q; body %s", e.Code, code, r.body)
	}
	if e.Message == "" {
		t.Fatalf("empty message in %s", r.body)
	}
	return e
}

func (r response) expectStatus(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
}

// do sends a request; body may be nil, a string (sent raw) or a value
// (sent as JSON). Extra headers come as name, value pairs.
func (b *browser) do(method, path string, body any, headers ...string) response {
	b.ts.t.Helper()
	var rd io.Reader
	contentType := ""
	switch v := body.(type) {
	case nil:
	case string:
		rd, contentType = strings.NewReader(v), "application/json"
	case []byte:
		rd, contentType = bytes.NewReader(v), "application/json"
	default:
		data, err := json.Marshal(v)
		if err != nil {
			b.ts.t.Fatal(err)
		}
		rd, contentType = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, b.ts.srv.URL+path, rd)
	if err != nil {
		b.ts.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if !b.noCSRF && method != http.MethodGet {
		if v := b.cookie(shared.HostCookiePrefix + shared.CSRFCookie); v != "" {
			req.Header.Set(shared.CSRFHeader, v)
		}
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.ts.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// cookie returns the value of a cookie the jar would send to the API.
func (b *browser) cookie(name string) string {
	if b.client.Jar == nil {
		return ""
	}
	for _, path := range []string{"/api/auth/refresh", "/"} {
		u := mustURL(b.ts.srv.URL + path)
		for _, c := range b.client.Jar.Cookies(u) {
			if c.Name == name {
				return c.Value
			}
		}
	}
	return ""
}

const testPassword = "correct horse battery staple"

// register creates an account through the API and returns its user.
func (b *browser) register(email, name string) shared.User {
	b.ts.t.Helper()
	r := b.do("POST", "/api/auth/register", shared.RegisterRequest{Email: email, Password: testPassword, Name: name})
	r.expectStatus(b.ts.t, http.StatusCreated)
	var body shared.UserResponse
	r.decode(b.ts.t, &body)
	return body.User
}

func (b *browser) login(email, password string) response {
	b.ts.t.Helper()
	return b.do("POST", "/api/auth/login", shared.LoginRequest{Email: email, Password: password})
}

// tokens obtains a token pair through the token flow.
func (ts *testServer) tokens(email, password string) shared.TokenPair {
	ts.t.Helper()
	r := ts.apiClient().do("POST", "/api/token", shared.LoginRequest{Email: email, Password: password})
	r.expectStatus(ts.t, http.StatusOK)
	var pair shared.TokenPair
	r.decode(ts.t, &pair)
	if pair.Access == "" || pair.Refresh == "" {
		ts.t.Fatalf("empty token pair: %s", r.body)
	}
	return pair
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

type (
	cfgT  = auth.Config
	optsT = httpapi.Options
)

func slicesSort(ds []time.Duration) { slices.Sort(ds) }

// setActive changes a user directly in the database, as another process
// (or instance) would.
func setActive(t *testing.T, ts *testServer, id string, active bool) {
	t.Helper()
	u, err := ts.store.UserByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	u.IsActive = active
	if err := ts.store.UpdateUser(t.Context(), u, "is_active"); err != nil {
		t.Fatal(err)
	}
}

// makeStaff grants staff (and optionally superuser) rights directly.
func makeStaff(t *testing.T, ts *testServer, id string, superuser bool) {
	t.Helper()
	u, err := ts.store.UserByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	u.IsStaff, u.IsSuperuser = true, superuser
	if err := ts.store.UpdateUser(t.Context(), u, "is_staff", "is_superuser"); err != nil {
		t.Fatal(err)
	}
}

// withMail sends the server's mail through a real SMTP server on loopback,
// from a queue that retries quickly.
func withMail(t *testing.T, smtpURL string) serverOption {
	return func(c *auth.Config, _ *httpapi.Options) {
		sender, err := mail.NewSMTPSender(smtpURL, "authkit <no-reply@example.com>")
		if err != nil {
			t.Fatal(err)
		}
		q := mail.NewQueue(sender, 100, slog.New(slog.DiscardHandler))
		q.SetBackoff(200*time.Millisecond, 400*time.Millisecond, 800*time.Millisecond, time.Second, time.Second)
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		go q.Run(ctx)
		c.Mailer, c.PublicURL = q, "https://app.example.com"
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
