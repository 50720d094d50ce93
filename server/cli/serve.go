package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/heapfloor"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/mail"
	"github.com/authkit/authkit/server/metrics"
	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/webui"
	"github.com/authkit/authkit/shared"
)

// shutdownGrace is how long a stopping server waits for the requests in
// flight before it closes their connections.
const shutdownGrace = 15 * time.Second

// serve runs the server until ctx ends (SIGINT or SIGTERM). Everything
// an operator can get wrong on the command line or in the environment is
// checked first, as a usageError, before the database is touched; then
// the database is opened and migrated, and the listeners opened, any of
// which fails with an error of its own (exit 1).
func serve(ctx context.Context, env Env, args []string) error {
	var c serveConfig
	fs := serveFlags(&c, env.Modules)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := c.check(); err != nil {
		return err
	}
	if err := httpapi.CheckModuleFlags(env.Modules); err != nil {
		return usageError{err}
	}
	kek, err := keyEncryptionKey(env)
	if err != nil {
		return err
	}
	log, logOut, err := newServeLogger(env.Stderr, c.logFormat)
	if err != nil {
		return err
	}
	defer logOut.Flush()
	mailQueue, err := c.mailQueue(log)
	if err != nil {
		return usageError{err}
	}
	store.LogDriverTo(log)
	if env.Getenv("GOGC") == "" {
		defer heapfloor.Start(c.heapFloorMiB << 20)()
	}
	warnUnknownVariables(log, env, fs)
	if c.smtpURL == "" {
		log.Warn("no --smtp-url: mail is written to this log instead of sent, and its links (password resets, email confirmations) work for whoever reads it")
	}

	err = startAndServe(ctx, env, &c, log, logOut, kek, mailQueue)
	if err != nil && ctx.Err() != nil {
		// Stopped by a signal before start-up was over: what the
		// operator asked for, not a failure.
		log.Info("stopped during start-up", "err", err)
		return nil
	}
	return err
}

// startAndServe opens the database and the listeners for checked
// settings, and serves until ctx ends.
func startAndServe(ctx context.Context, env Env, c *serveConfig, log *slog.Logger, logOut *logBuffer, kek signing.KeyEncryptionKey, mailQueue *mail.Queue) error {
	st, err := c.db.open(ctx, log, env.Modules)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := auth.New(ctx, st, auth.Config{
		Issuer: c.issuer, AccessTTL: c.accessTTL, RefreshTTL: c.refreshTTL, SessionMaxAge: c.sessionLifetime(),
		LoginThrottle: c.loginThrottle, LoginClientThrottle: c.loginClientThrottle,
		RegisterThrottle: c.registerThrottle, MaxSessions: sessionCap(c.maxSessions), Argon2: c.argon2(),
		SessionCacheTTL: c.sessionCache(), ReauthWindow: c.reauthWindow, KeyEncryptionKey: kek, Logger: log,
		PublicURL: c.publicURL, Mailer: mailQueue, RequireVerifiedEmail: c.requireVerified,
		EventRetention: c.eventRetention, Notices: c.notices.settings(),
	})
	if err != nil {
		return err
	}
	var observer httpapi.RequestObserver
	var m *metrics.Metrics
	var metricsSrv *http.Server
	var metricsLn net.Listener
	if c.metricsAddr != "" {
		m = metrics.New(metrics.Sources{Auth: svc, Store: st, Mail: mailQueue, Version: env.Version})
		observer = m
		if metricsLn, err = net.Listen("tcp", c.metricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		defer metricsLn.Close()
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		metricsSrv = newHTTPServer(mux, log)
	}
	handler, err := httpapi.New(svc, st, httpapi.Options{
		InsecureCookies: c.insecureCookies,
		Modules:         env.Modules,
		Pages:           webui.Handler(env.Version, env.Pages...),
		Logger:          log,
		Observer:        observer,
	})
	if err != nil {
		return err
	}
	if m != nil {
		m.ExpectRoutes(handler.RoutePatterns())
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	srv := newHTTPServer(handler, log)
	log.Info("authkit listening", "addr", ln.Addr().String(), "version", env.Version, "db", redactDSN(c.db.dsn))
	if metricsSrv != nil {
		log.Info("metrics listening", "addr", metricsLn.Addr().String(), "path", "/metrics")
		go metricsSrv.Serve(metricsLn) //nolint:errcheck // ends with Close below
		defer metricsSrv.Close()
	}
	logOut.Flush() // tools and people wait for these lines
	if env.Ready != nil {
		env.Ready(ln.Addr().String())
	}

	backgroundCtx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	go sweep(backgroundCtx, svc, st, env.Modules, c.sweepEvery, log)
	go svc.Watch(backgroundCtx)
	// The mail queue outlives the signal: requests finishing within the
	// grace may still enqueue, and what is queued is sent before exit.
	mailCtx, stopMail := context.WithCancel(context.WithoutCancel(ctx))
	defer stopMail()
	mailStopped := make(chan struct{})
	go func() { mailQueue.Run(mailCtx); close(mailStopped) }()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", shutdownGrace.String())
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// The grace is over: the requests still running are cut off.
		srv.Close()
		log.Warn("requests still running after the grace period were cut off", "grace", shutdownGrace.String())
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// A reset link's mail is queued after its request has answered.
	if err := svc.Wait(shutdownCtx); err != nil {
		log.Warn("work left by requests was cut off after the grace period", "grace", shutdownGrace.String())
	}
	stopMail()
	select {
	case <-mailStopped: // its delivery under way, if any, is done
	case <-shutdownCtx.Done():
	}
	if n := mailQueue.Drain(shutdownCtx); n > 0 {
		log.Warn("mail not yet delivered is lost", "mails", n)
	}
	log.Info("stopped")
	return nil
}

// newHTTPServer is a listener's server, the public one's or the
// metrics': bounds on slow clients (slowloris), on connections left idle
// and on oversized headers. Without them, connections that sent one
// request and then nothing stayed open for good, using up the process's
// file descriptors, the public listener's too.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slogErrorLog(log),
	}
}

// mailQueue delivers through --smtp-url, or to the log without one.
func (c *serveConfig) mailQueue(log *slog.Logger) (*mail.Queue, error) {
	if c.smtpURL == "" {
		return mail.NewQueue(mail.LogSender(log), 1000, log), nil
	}
	sender, err := mail.NewSMTPSender(c.smtpURL, c.mailFrom)
	if err != nil {
		return nil, err
	}
	return mail.NewQueue(sender, 1000, log), nil
}

// warnUnknownVariables warns of each AUTHKIT_* variable in the
// environment that serve does not read: a misspelt AUTHKIT_SMTP_URL
// would otherwise leave mail going to the log without a word.
func warnUnknownVariables(log *slog.Logger, env Env, fs *flag.FlagSet) {
	if env.Environ == nil {
		return
	}
	known := map[string]bool{"AUTHKIT_KEY_ENCRYPTION_KEY": true}
	fs.VisitAll(func(f *flag.Flag) { known[envName(f.Name)] = true })
	for _, kv := range env.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, envName("")) && !known[name] {
			log.Warn("an AUTHKIT_ variable that serve does not read is set; ignored", "variable", name)
		}
	}
}

// sweep deletes, every interval until ctx ends, what has expired: the
// kit's rows (refresh tokens, sessions, mailed tokens, login challenges,
// throttle buckets), security events past their retention, the modules'
// expired rows (httpapi.ExpiringDataOwner) and signing keys retired for a
// day; it also forgets throttle buckets that have refilled (in memory
// here; in the database, FlushExpired deletes their rows). A step that
// fails is logged and does not keep the others from running.
//
// Instances sharing a PostgreSQL database each tick on their own: one
// that finds another's sweep under way (store.SweepLockKey) prunes only
// its own memory this round, instead of deleting the same rows at the
// same time, queueing on the other's row locks (and risking a deadlock
// between the two).
func sweep(ctx context.Context, svc *auth.Service, st *store.Store, modules []httpapi.Module, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sweepOnce(ctx, svc, st, modules, log)
	}
}

func sweepOnce(ctx context.Context, svc *auth.Service, st *store.Store, modules []httpapi.Module, log *slog.Logger) {
	failed := func(what string, err error) {
		if ctx.Err() == nil {
			log.Log(ctx, store.LogLevel(err), "sweeping "+what+" failed", "err", err)
		}
	}
	svc.PruneThrottles()
	ran, err := st.Alone(ctx, store.SweepLockKey, func() error {
		sweepDatabase(ctx, svc, st, modules, log, failed)
		return nil
	})
	if err != nil {
		failed("the database (taking the sweep's lock)", err)
	}
	if !ran {
		svc.Sessions.PruneCaches()
		log.Debug("another instance is sweeping the database; skipped it this round")
	}
}

// sweepDatabase is sweepOnce's work on the database, done by one
// instance at a time.
func sweepDatabase(ctx context.Context, svc *auth.Service, st *store.Store, modules []httpapi.Module, log *slog.Logger, failed func(string, error)) {
	if tokens, sessions, err := svc.Sessions.FlushExpired(ctx); err != nil {
		failed("expired tokens", err)
	} else if tokens+sessions > 0 {
		log.Info("swept expired tokens and sessions", "refresh_tokens", tokens, "sessions", sessions)
	}
	if events, err := svc.Activity.Sweep(ctx); err != nil {
		failed("old security events", err)
	} else if events > 0 {
		log.Info("swept security events past their retention", "events", events)
	}
	if rows, err := httpapi.DeleteExpiredData(ctx, st, modules, time.Now().UTC()); err != nil {
		failed("the modules' expired rows", err)
	} else if rows > 0 {
		log.Info("swept the modules' expired rows", "rows", rows)
	}
	if keys, err := svc.Keys.DeleteRetired(ctx); err != nil {
		failed("retired signing keys", err)
	} else if keys > 0 {
		log.Info("deleted retired signing keys", "keys", keys)
	}
}

// redactDSN hides the passwords of a database URL for the log and the
// errors: the user part's, and the password and sslpassword parameters
// that libpq's URIs take (the driver does not, so such a URL fails, and
// its error named the database with the password).
func redactDSN(dsn string) string {
	i := strings.Index(dsn, "://")
	if i < 0 {
		return dsn
	}
	if at := strings.LastIndex(dsn, "@"); at > i {
		if colon := strings.Index(dsn[i+3:at], ":"); colon >= 0 {
			dsn = dsn[:i+3+colon] + ":***" + dsn[at:]
		}
	}
	base, query, ok := strings.Cut(dsn, "?")
	if !ok {
		return dsn
	}
	params := strings.Split(query, "&")
	for j, param := range params {
		key, _, hasValue := strings.Cut(param, "=")
		name, err := url.QueryUnescape(key)
		if err != nil {
			name = key
		}
		if hasValue && (name == "password" || name == "sslpassword") {
			params[j] = key + "=***"
		}
	}
	return base + "?" + strings.Join(params, "&")
}

// describe turns a service error into one line for the terminal. A
// validation failure (a bad --email or --name, a weak password) is bad
// input, so a usageError.
func describe(err error) error {
	var apiErr *shared.Error
	if !errors.As(err, &apiErr) || len(apiErr.Fields) == 0 {
		return err
	}
	var parts []string
	for _, field := range slices.Sorted(maps.Keys(apiErr.Fields)) {
		parts = append(parts, fmt.Sprintf("%s: %s", field, apiErr.Fields[field]))
	}
	if apiErr.Code == shared.CodeValidationFailed {
		return usagef("%s", strings.Join(parts, "; "))
	}
	return errors.New(strings.Join(parts, "; "))
}
