// Package apitest starts the real kit for tests: the API of package
// httpapi with the modules a test names, on a real database (a SQLite file
// in the test's temp dir, or PostgreSQL under AUTHKIT_TEST_DB=postgres:
// see storetest), served over TLS on loopback so Secure and __Host-
// cookies flow as they do in browsers. No part is mocked: a test that
// passes here passes against `authkit serve`.
//
// Its clients are the kit's two kinds of callers: a Browser keeps cookies
// and sends the CSRF header as the web app does; a TokenClient keeps
// nothing and authenticates with Bearer tokens, as a mobile app or another
// server does. A module tests its routes from its own package:
//
//	ts := apitest.NewServer(t, apitest.WithModules(orders.Module{}))
//	ann := ts.Browser()
//	ann.Register("ann@example.com", "Ann")
//	ann.Do("GET", "/api/orders", nil).ExpectStatus(t, http.StatusOK)
package apitest

import (
	"context"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/mail"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
)

// Server is the real API on a fresh database, stopped when the test ends.
type Server struct {
	// URL is the base URL, "https://127.0.0.1:port", and the service's
	// PublicURL unless an option changes it.
	URL string
	// Store is the server's database, for arranging what the API cannot do
	// (MakeStaff) or changing a row as another instance would (SetActive).
	Store *store.Store
	// Auth is the server's authentication service.
	Auth *auth.Service
	// API is the handler being served (its Routes, its fork helpers).
	API *httpapi.API
	// MailQueue is the queue WithMail sends through (nil without it), for
	// waiting on its figures (Stats) rather than on the clock.
	MailQueue *mail.Queue

	t   testing.TB
	dsn string
	srv *httptest.Server
	now atomic.Pointer[time.Time] // the service's clock; nil = real time

	mail mailbox // every mail sent (under WithMail, also sent over SMTP)
}

// Option changes how NewServer builds the server.
type Option func(*setup)

// setup is what options change before the server starts.
type setup struct {
	t     testing.TB
	cfg   auth.Config
	opts  httpapi.Options
	queue *mail.Queue // WithMail's
}

// WithModules mounts modules beside the kit's routes, and migrates their
// tables first, as `authkit serve` does with main.go's list.
func WithModules(modules ...httpapi.Module) Option {
	return func(s *setup) { s.opts.Modules = append(s.opts.Modules, modules...) }
}

// WithConfig tweaks the authentication service's configuration (token
// lifetimes, throttles, RequireVerifiedEmail…). Setting Now takes the
// clock away from Advance.
func WithConfig(f func(*auth.Config)) Option {
	return func(s *setup) { f(&s.cfg) }
}

// WithOptions tweaks the HTTP options (InsecureCookies, Pages…).
func WithOptions(f func(*httpapi.Options)) Option {
	return func(s *setup) { f(&s.opts) }
}

// WithMail sends the server's mail through a real SMTP server (such as
// mailtest.Start's), from a queue (Server.MailQueue) that retries quickly,
// so a test of an outage does not wait for production back-off, and for
// half a minute, so a busy machine does not see it give up. Links in the
// mail point at https://app.example.com (without WithMail, at the server
// itself).
func WithMail(smtpURL string) Option {
	return func(s *setup) {
		sender, err := mail.NewSMTPSender(smtpURL, "authkit <no-reply@example.com>")
		if err != nil {
			s.t.Fatal(err)
		}
		q := mail.NewQueue(sender, 100, slog.New(slog.DiscardHandler))
		backoff := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}
		for len(backoff) < 30 {
			backoff = append(backoff, time.Second)
		}
		q.SetBackoff(backoff...)
		ctx, cancel := context.WithCancel(context.Background())
		s.t.Cleanup(cancel)
		go q.Run(ctx)
		s.cfg.Mailer, s.cfg.PublicURL, s.queue = q, "https://app.example.com", q
	}
}

// NewServer starts the API on a new migrated database, with the kit's
// defaults changed by opts, and stops it when t ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return start(t, storetest.DSN(t), opts)
}

// SecondInstance starts another server on ts's database, with its own
// connection pool, caches and throttles, as a second `authkit serve`
// behind a load balancer would be; opts change its configuration as
// NewServer's do (give it the first one's modules). On SQLite both share
// the file, which a real deployment would not do; instances sharing state
// through the database are a PostgreSQL matter.
func (ts *Server) SecondInstance(opts ...Option) *Server {
	ts.t.Helper()
	return start(ts.t, ts.dsn, opts)
}

func start(t testing.TB, dsn string, opts []Option) *Server {
	t.Helper()
	ctx := context.Background()
	ts := &Server{t: t, dsn: dsn}
	// The listener first, so the server knows its own address: links in
	// mail and the redirects of sign-in providers point back at it.
	ts.srv = httptest.NewUnstartedServer(nil)
	t.Cleanup(ts.srv.Close)
	ts.URL = "https://" + ts.srv.Listener.Addr().String()
	s := setup{t: t, cfg: auth.Config{Now: ts.clock, PublicURL: ts.URL}}
	for _, o := range opts {
		o(&s)
	}
	// The server's mail is kept (ConfirmEmail follows its links), and also
	// sent over SMTP under WithMail.
	if s.cfg.Mailer == nil {
		s.cfg.Mailer = &ts.mail
	} else {
		s.cfg.Mailer = teeMailer{&ts.mail, s.cfg.Mailer}
	}
	var err error
	if ts.Store, err = store.Open(ctx, dsn, store.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Store.Close() })
	if _, err := ts.Store.Migrate(ctx, httpapi.ModuleMigrations(s.opts.Modules)...); err != nil {
		t.Fatal(err)
	}
	if ts.Auth, err = auth.New(ctx, ts.Store, s.cfg); err != nil {
		t.Fatal(err)
	}
	// At the end, as `authkit serve` stops: no more requests, then the
	// work they left in the background (a reset's mail and its writes),
	// and only then the store (closed by the cleanup above). A write left
	// running made SQLite's journal appear in the test's directory while
	// it was being removed ("directory not empty").
	t.Cleanup(func() {
		ts.srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ts.Auth.Wait(ctx) // bounded: a test may leave work blocked on purpose
	})
	if ts.API, err = httpapi.New(ts.Auth, ts.Store, s.opts); err != nil {
		t.Fatal(err)
	}
	ts.MailQueue = s.queue
	ts.srv.Config.Handler = ts.API
	ts.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // clients hanging up mid-handshake at cleanup
	ts.srv.StartTLS()
	if ts.srv.URL != ts.URL {
		t.Fatalf("the server listens at %s, not %s", ts.srv.URL, ts.URL)
	}
	return ts
}

// clock is the service's clock: real time until Advance moves it.
func (ts *Server) clock() time.Time {
	if p := ts.now.Load(); p != nil {
		return *p
	}
	return time.Now()
}

// Advance moves the server's clock forward, so a test can outlive a token
// or a link without waiting.
func (ts *Server) Advance(d time.Duration) {
	now := ts.clock().Add(d)
	ts.now.Store(&now)
}

// Now is the server's current time.
func (ts *Server) Now() time.Time { return ts.clock() }
