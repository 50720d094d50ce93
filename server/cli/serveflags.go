package cli

import (
	"flag"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
)

// serveConfig holds the flags of serve.
type serveConfig struct {
	addr                string
	db                  dbFlags
	accessTTL           time.Duration
	refreshTTL          time.Duration
	sessionMaxAge       time.Duration
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

// The largest values the flags take. Past them a setting is a typo, not
// a choice: a gibibyte per password hash already takes seconds a login,
// and a heap floor past a tebibyte overflows.
const (
	maxArgon2MemoryMiB = auth.MaxArgon2MemoryKiB / 1024
	maxArgon2Time      = auth.MaxArgon2Time
	maxHeapFloorMiB    = 1 << 20
)

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

// serveFlags are serve's flags, the modules' included, filling in c.
func serveFlags(c *serveConfig, modules []httpapi.Module) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on, host:port (:8080 is every interface)")
	c.db.register(fs)
	fs.DurationVar(&c.accessTTL, "access-ttl", 5*time.Minute, "lifetime of access tokens (at least 1s)")
	fs.DurationVar(&c.refreshTTL, "refresh-ttl", 336*time.Hour, "lifetime of refresh tokens (and idle sessions); longer than --access-ttl")
	fs.DurationVar(&c.sessionMaxAge, "session-max-age", auth.DefaultSessionMaxAge, "absolute lifetime of a session from its login, however often it is refreshed; then its user signs in again (longer than --access-ttl; 0: no cap)")
	fs.StringVar(&c.issuer, "issuer", "authkit", `"iss" and "aud" of access tokens`)
	fs.BoolVar(&c.insecureCookies, "insecure-cookies", false, "drop Secure and the __Host-/__Secure- prefixes (plain-http hosts other than localhost; refused with an https --public-url)")
	fs.IntVar(&c.loginThrottle, "login-throttle", 10, "failed logins allowed per account+client per 15 minutes (0 disables)")
	fs.IntVar(&c.loginClientThrottle, "login-client-throttle", 100, "failed logins allowed per client across all accounts per 15 minutes, against password spraying (0 disables)")
	fs.IntVar(&c.registerThrottle, "register-throttle", 30, "registrations allowed per client per minute (0 disables)")
	fs.IntVar(&c.maxSessions, "max-sessions", auth.DefaultMaxSessions, "live sessions per user; starting one more signs out the least recently used (0: no cap)")
	fs.UintVar(&c.argon2MemoryMiB, "argon2-memory", uint(auth.DefaultArgon2.MemoryKiB/1024), fmt.Sprintf("argon2id memory per password hash, in MiB (at least OWASP's minimum for --argon2-time, at most %d)", maxArgon2MemoryMiB))
	fs.UintVar(&c.argon2Time, "argon2-time", uint(auth.DefaultArgon2.Time), fmt.Sprintf("argon2id passes per password hash (1 to %d)", maxArgon2Time))
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.DurationVar(&c.sweepEvery, "sweep-interval", 10*time.Minute, "how often expired tokens and sessions are deleted (at least 1s)")
	fs.DurationVar(&c.sessionCacheTTL, "session-cache-ttl", 30*time.Second, "how long a session's liveness is trusted without a database read (bounds how late other processes' revocations are seen; 0: never, every request reads it)")
	fs.DurationVar(&c.reauthWindow, "reauth-window", 10*time.Minute, "how long after a login or re-authentication a session may take sensitive actions (changing the password, second factors, passkeys)")
	fs.StringVar(&c.smtpURL, "smtp-url", "", "SMTP server for outgoing mail: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465; unset writes mail, links included, to the log (prefer AUTHKIT_SMTP_URL: it holds a password)")
	fs.StringVar(&c.mailFrom, "mail-from", "authkit <no-reply@localhost>", "From address of outgoing mail")
	fs.StringVar(&c.publicURL, "public-url", "http://127.0.0.1:8080", "public origin of the app, such as https://auth.example.com (no path): the links in emails, the passkeys' relying party")
	fs.BoolVar(&c.requireVerified, "require-verified-email", false, "limit users who have not confirmed their email to their profile")
	fs.DurationVar(&c.eventRetention, "event-retention", auth.DefaultEventRetention, "how long security events (sign-ins, changes, staff actions) are kept before the sweep deletes them (at least 1h)")
	c.notices.register(fs)
	httpapi.RegisterModuleFlags(fs, modules)
	fs.StringVar(&c.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at /metrics on this address, a listener of its own (keep it private, e.g. 127.0.0.1:9090); unset serves none")
	fs.Uint64Var(&c.heapFloorMiB, "heap-floor", 12, fmt.Sprintf("heap size, in MiB, below which the garbage collector does not run (0: Go's default, 4 MiB; at most %d; ignored when GOGC is set)", maxHeapFloorMiB))
	return fs
}

// check refuses values serve cannot use as given, each with a usageError
// naming its flag, before anything is opened: no value is quietly
// replaced by another.
func (c *serveConfig) check() error {
	if err := c.db.check(); err != nil {
		return err
	}
	if err := checkPublicURL(c.publicURL); err != nil {
		return err
	}
	if err := checkAddr("--addr", c.addr); err != nil {
		return err
	}
	if c.metricsAddr != "" {
		if err := checkAddr("--metrics-addr", c.metricsAddr); err != nil {
			return err
		}
		if _, port, _ := net.SplitHostPort(c.addr); c.metricsAddr == c.addr && port != "0" {
			return usagef("--metrics-addr must differ from --addr: metrics are never served on the public listener")
		}
	}
	if _, err := mail.ParseAddress(c.mailFrom); err != nil {
		return usagef("--mail-from must be an address such as \"authkit <no-reply@example.com>\": %v", err)
	}
	throttles := []struct {
		name  string
		value int
	}{{"--login-throttle", c.loginThrottle}, {"--login-client-throttle", c.loginClientThrottle}, {"--register-throttle", c.registerThrottle}}
	for _, t := range throttles {
		if t.value < 0 {
			return usagef("%s must be 0 (off) or more, not %d", t.name, t.value)
		}
	}
	switch {
	case c.accessTTL < time.Second:
		return usagef("--access-ttl must be at least 1s")
	case c.refreshTTL <= c.accessTTL:
		return usagef("--refresh-ttl must be longer than --access-ttl")
	case c.sessionMaxAge != 0 && c.sessionMaxAge <= c.accessTTL:
		// At or under --refresh-ttl it is allowed: sessions then end at
		// the cap before they can idle out (a deployment that had a
		// longer --refresh-ttl keeps starting, its sessions capped).
		return usagef("--session-max-age must be 0 (no cap) or longer than --access-ttl (%v), not %v", c.accessTTL, c.sessionMaxAge)
	case c.argon2MemoryMiB > maxArgon2MemoryMiB:
		return usagef("--argon2-memory must be at most %d (MiB), not %d", maxArgon2MemoryMiB, c.argon2MemoryMiB)
	case c.argon2Time > maxArgon2Time:
		return usagef("--argon2-time must be at most %d, not %d", maxArgon2Time, c.argon2Time)
	case c.argon2().CheckOWASP() != nil:
		return usagef("--argon2-memory/--argon2-time: %v", c.argon2().CheckOWASP())
	case c.maxSessions < 0:
		return usagef("--max-sessions must be 0 (no cap) or more")
	case c.sweepEvery < time.Second:
		return usagef("--sweep-interval must be at least 1s")
	case c.sessionCacheTTL < 0:
		return usagef("--session-cache-ttl must be 0 (no cache) or more")
	case c.reauthWindow < time.Second:
		return usagef("--reauth-window must be at least 1s")
	case c.eventRetention < time.Hour:
		return usagef("--event-retention must be at least 1h")
	case strings.TrimSpace(c.issuer) == "":
		return usagef("--issuer must not be empty")
	case c.heapFloorMiB > maxHeapFloorMiB:
		return usagef("--heap-floor must be at most %d (MiB), not %d", maxHeapFloorMiB, c.heapFloorMiB)
	case c.insecureCookies && publicScheme(c.publicURL) == "https":
		return usagef("--insecure-cookies is for plain-http hosts, but --public-url is https: drop one")
	}
	return nil
}

// checkPublicURL accepts an origin: http(s), a host name and a port
// number, if any, and no user, path, query or fragment. The app and its
// API are served at the root, and the URL is joined with paths for the
// links in emails and the providers' callbacks; the passkeys' relying
// party is its host. url.Parse takes "http://:8080" (no host name) and
// any digits for a port, which made links nobody could open.
func checkPublicURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Opaque != "" || !validPort(u.Port()):
		return usagef("--public-url must be an http(s) URL such as https://auth.example.com, not %q", raw)
	case u.User != nil:
		return usagef("--public-url must not hold a user name or password")
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return usagef("--public-url must be an origin such as https://auth.example.com, without a path, query or fragment (the app is served at the root), not %q", raw)
	}
	return nil
}

// validPort reports whether port, a URL's, is empty (the scheme's) or a
// TCP port number.
func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.ParseUint(port, 10, 16)
	return err == nil && n > 0
}

// publicScheme is the scheme of a public URL that checkPublicURL
// accepted, in lower case: a scheme may be spelled in any case (RFC 3986
// §3.1), and url.Parse, which the server's other readers of the URL use,
// accepts HTTPS:// as https.
func publicScheme(raw string) string {
	u, _ := url.Parse(raw)
	return u.Scheme
}

// checkAddr accepts a listen address net.Listen can take apart: host:port
// with an empty host (every interface), a name or an IP, and a port
// number or service name. Whether the host resolves, and the port is
// free, is up to the listen itself.
func checkAddr(flagName, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("%s must be host:port, such as 127.0.0.1:8080 or :8080, not %q", flagName, addr)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return usagef("%s: %q is not a port", flagName, port)
	}
	return nil
}

// sessionCache turns --session-cache-ttl (0: no cache) into
// Config.SessionCacheTTL (negative: no cache; 0 would mean the default).
func (c *serveConfig) sessionCache() time.Duration {
	if c.sessionCacheTTL == 0 {
		return -1
	}
	return c.sessionCacheTTL
}

// sessionLifetime turns --session-max-age (0: no cap) into
// Config.SessionMaxAge (negative: no cap; 0 would mean the default).
func (c *serveConfig) sessionLifetime() time.Duration {
	if c.sessionMaxAge == 0 {
		return -1
	}
	return c.sessionMaxAge
}

// sessionCap turns --max-sessions (0: no cap) into Config.MaxSessions
// (negative: no cap; 0 would mean the default).
func sessionCap(flag int) int {
	if flag == 0 {
		return -1
	}
	return flag
}

// argon2 is the password hashing cost the flags ask for (check bounds
// them, so the conversions do not wrap).
func (c *serveConfig) argon2() auth.Argon2Params {
	return auth.Argon2Params{MemoryKiB: uint32(c.argon2MemoryMiB) * 1024, Time: uint32(c.argon2Time), Threads: 1}
}
