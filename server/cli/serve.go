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
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/webui"
	"github.com/authkit/authkit/shared"
)

// serveConfig holds the flags of serve.
type serveConfig struct {
	addr                string
	db                  dbFlags
	accessTTL           time.Duration
	refreshTTL          time.Duration
	issuer              string
	insecureCookies     bool
	loginThrottle       int
	loginClientThrottle int
	registerThrottle    int
	maxSessions         int
	argon2MemoryMiB     uint
	argon2Time          uint
	logFormat           string
	sweepEvery          time.Duration
	sessionCacheTTL     time.Duration
	reauthWindow        time.Duration
	smtpURL             string
	mailFrom            string
	publicURL           string
	requireVerified     bool
	eventRetention      time.Duration
	notices             noticeFlags
	metricsAddr         string
	heapFloorMiB        uint64
}

// noticeFlags turn the notices mailed to account owners on and off.
type noticeFlags struct{ newSignIn, passwordChanged, emailChange bool }

func (n *noticeFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&n.newSignIn, "notify-new-sign-in", true, `mail "New sign-in to your account" for a device not seen on the account in 90 days`)
	fs.BoolVar(&n.passwordChanged, "notify-password-changed", true, `mail "Your password was changed" after a change or a reset`)
	fs.BoolVar(&n.emailChange, "notify-email-change", true, `mail "Your email is being changed" to the old address`)
}

func (n noticeFlags) settings() auth.NoticeSettings {
	return auth.NoticeSettings{NoNewSignIn: !n.newSignIn, NoPasswordChanged: !n.passwordChanged, NoEmailChange: !n.emailChange}
}

func serve(ctx context.Context, env Env, args []string) error {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on")
	c.db.register(fs)
	fs.DurationVar(&c.accessTTL, "access-ttl", 5*time.Minute, "lifetime of access tokens")
	fs.DurationVar(&c.refreshTTL, "refresh-ttl", 336*time.Hour, "lifetime of refresh tokens (and idle sessions)")
	fs.StringVar(&c.issuer, "issuer", "authkit", `"iss" and "aud" of access tokens`)
	fs.BoolVar(&c.insecureCookies, "insecure-cookies", false, "drop Secure and the __Host-/__Secure- prefixes (plain-http hosts other than localhost)")
	fs.IntVar(&c.loginThrottle, "login-throttle", 10, "failed logins allowed per account+client per 15 minutes (0 disables)")
	fs.IntVar(&c.loginClientThrottle, "login-client-throttle", 100, "failed logins allowed per client across all accounts per 15 minutes, against password spraying (0 disables)")
	fs.IntVar(&c.registerThrottle, "register-throttle", 30, "registrations allowed per client per minute (0 disables)")
	fs.IntVar(&c.maxSessions, "max-sessions", auth.DefaultMaxSessions, "live sessions per user; starting one more signs out the least recently used (0: no cap)")
	fs.UintVar(&c.argon2MemoryMiB, "argon2-memory", uint(auth.DefaultArgon2.MemoryKiB/1024), "argon2id memory per password hash, in MiB (at least OWASP's minimum for --argon2-time)")
	fs.UintVar(&c.argon2Time, "argon2-time", uint(auth.DefaultArgon2.Time), "argon2id passes per password hash")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.DurationVar(&c.sweepEvery, "sweep-interval", 10*time.Minute, "how often expired tokens and sessions are deleted")
	fs.DurationVar(&c.sessionCacheTTL, "session-cache-ttl", 30*time.Second, "how long a session's liveness is trusted without a database read (bounds how late other processes' revocations are seen)")
	fs.DurationVar(&c.reauthWindow, "reauth-window", 10*time.Minute, "how long after a login or re-authentication a session may take sensitive actions (changing the password, second factors, passkeys)")
	fs.StringVar(&c.smtpURL, "smtp-url", "", "SMTP server for outgoing mail: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465; unset writes mail to the log")
	fs.StringVar(&c.mailFrom, "mail-from", "authkit <no-reply@localhost>", "From address of outgoing mail")
	fs.StringVar(&c.publicURL, "public-url", "http://127.0.0.1:8080", "public base URL of the app, for the links in emails")
	fs.BoolVar(&c.requireVerified, "require-verified-email", false, "limit users who have not confirmed their email to their profile")
	fs.DurationVar(&c.eventRetention, "event-retention", auth.DefaultEventRetention, "how long security events (sign-ins, changes, staff actions) are kept before the sweep deletes them")
	c.notices.register(fs)
	httpapi.RegisterModuleFlags(fs, env.Modules)
	fs.StringVar(&c.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at /metrics on this address, a listener of its own (keep it private, e.g. 127.0.0.1:9090); unset serves none")
	fs.Uint64Var(&c.heapFloorMiB, "heap-floor", 12, "heap size, in MiB, below which the garbage collector does not run (0: Go's default, 4 MiB; ignored when GOGC is set)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := c.check(); err != nil {
		return err
	}
	log, logOut, err := newServeLogger(env.Stderr, c.logFormat)
	if err != nil {
		return err
	}
	defer logOut.Flush()
	if env.Getenv("GOGC") == "" {
		defer heapfloor.Start(c.heapFloorMiB << 20)()
	}

	kek, err := keyEncryptionKey(env)
	if err != nil {
		return err
	}
	mailQueue, err := c.mailQueue(log)
	if err != nil {
		return err
	}
	st, err := c.db.open(ctx, log, env.Modules)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := auth.New(ctx, st, auth.Config{
		Issuer: c.issuer, AccessTTL: c.accessTTL, RefreshTTL: c.refreshTTL,
		LoginThrottle: c.loginThrottle, LoginClientThrottle: c.loginClientThrottle,
		RegisterThrottle: c.registerThrottle, MaxSessions: sessionCap(c.maxSessions), Argon2: c.argon2(),
		SessionCacheTTL: c.sessionCacheTTL, ReauthWindow: c.reauthWindow, KeyEncryptionKey: kek, Logger: log,
		PublicURL: c.publicURL, Mailer: mailQueue, RequireVerifiedEmail: c.requireVerified,
		EventRetention: c.eventRetention, Notices: c.notices.settings(),
	})
	if err != nil {
		return err
	}
	var observer httpapi.RequestObserver
	var metricsSrv *http.Server
	var metricsLn net.Listener
	if c.metricsAddr != "" {
		m := metrics.New(metrics.Sources{Auth: svc, Store: st, Mail: mailQueue, Version: env.Version})
		observer = m
		if metricsLn, err = net.Listen("tcp", c.metricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		defer metricsLn.Close()
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slogErrorLog(log)}
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

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: handler,
		// Bounds on slow clients (slowloris) and oversized headers.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slogErrorLog(log),
	}
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
	go mailQueue.Run(backgroundCtx)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
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

func (c *serveConfig) check() error {
	u, err := url.Parse(c.publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("--public-url must be an http(s) URL such as https://auth.example.com")
	}
	switch {
	case c.insecureCookies && u.Scheme == "https":
		// Browsers reach an https site over https, where Secure cookies
		// work; without Secure (and the prefixes) the session cookies would
		// also ride on any plain-http request to the host, where anyone on
		// the network can read them.
		return errors.New("--insecure-cookies is for plain-http hosts, but --public-url is https: drop --insecure-cookies")
	case c.accessTTL < time.Second:
		return errors.New("--access-ttl must be at least 1s")
	case c.refreshTTL <= c.accessTTL:
		return errors.New("--refresh-ttl must be longer than --access-ttl")
	case c.argon2().CheckOWASP() != nil:
		return fmt.Errorf("--argon2-memory/--argon2-time: %v", c.argon2().CheckOWASP())
	case c.loginThrottle < 0 || c.loginClientThrottle < 0 || c.registerThrottle < 0:
		return errors.New("throttles must be 0 (off) or more")
	case c.maxSessions < 0:
		return errors.New("--max-sessions must be 0 (no cap) or more")
	case c.sweepEvery < time.Second:
		return errors.New("--sweep-interval must be at least 1s")
	case c.sessionCacheTTL < 0:
		return errors.New("--session-cache-ttl must not be negative")
	case c.reauthWindow < time.Second:
		return errors.New("--reauth-window must be at least 1s")
	case c.eventRetention < time.Hour:
		return errors.New("--event-retention must be at least 1h")
	case strings.TrimSpace(c.issuer) == "":
		return errors.New("--issuer must not be empty")
	}
	return nil
}

// sessionCap turns --max-sessions (0: no cap) into Config.MaxSessions
// (negative: no cap; 0 would mean the default).
func sessionCap(flag int) int {
	if flag == 0 {
		return -1
	}
	return flag
}

// argon2 is the password hashing cost the flags ask for.
func (c *serveConfig) argon2() auth.Argon2Params {
	return auth.Argon2Params{MemoryKiB: uint32(min(c.argon2MemoryMiB, 1<<10)) * 1024, Time: uint32(min(c.argon2Time, 16)), Threads: 1}
}

// sweep deletes, every interval until ctx ends, what has expired: the
// kit's rows (refresh tokens, sessions, mailed tokens, login challenges,
// throttle buckets), security events past their retention, the modules'
// expired rows (httpapi.ExpiringDataOwner) and signing keys retired for a
// day; it also forgets throttle buckets that have refilled (in memory
// here; in the database, FlushExpired deletes their rows). A step that
// fails is logged and does not keep the others from running.
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
			log.Error("sweeping "+what+" failed", "err", err)
		}
	}
	svc.PruneThrottles()
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

// redactDSN hides the password of a database URL for the log.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.LastIndex(dsn, "@"); at > i {
			if colon := strings.Index(dsn[i+3:at], ":"); colon >= 0 {
				return dsn[:i+3+colon] + ":***" + dsn[at:]
			}
		}
	}
	return dsn
}

// describe turns a service error into one line for the terminal.
func describe(err error) error {
	var apiErr *shared.Error
	if !errors.As(err, &apiErr) || len(apiErr.Fields) == 0 {
		return err
	}
	var parts []string
	for _, field := range slices.Sorted(maps.Keys(apiErr.Fields)) {
		parts = append(parts, fmt.Sprintf("%s: %s", field, apiErr.Fields[field]))
	}
	return errors.New(strings.Join(parts, "; "))
}
