package auth

import (
	"log/slog"
	"strings"
	"time"

	"github.com/authkit/authkit/server/mail"
	"github.com/authkit/authkit/server/signing"
)

// Config holds the service's settings. Zero values take the defaults
// noted on each field.
type Config struct {
	Issuer     string        // "iss" of access tokens; default "authkit"
	Audience   string        // "aud" of access tokens; default the issuer
	AccessTTL  time.Duration // default 5m
	RefreshTTL time.Duration // default 14 days
	// SessionMaxAge is a session's absolute lifetime, counted from its
	// login: however often it is refreshed, it then ends, and its user
	// signs in again (OWASP ASVS 3.3.2). Default DefaultSessionMaxAge;
	// negative: no cap (a session then lives while it is refreshed
	// within RefreshTTL).
	SessionMaxAge       time.Duration
	LoginThrottle       int                      // failed logins per account+client (and wrong current passwords per account) per 15 minutes; 0 disables
	LoginClientThrottle int                      // failed logins per client across all accounts per 15 minutes (password spraying); 0 disables
	RegisterThrottle    int                      // registrations per client per minute; 0 disables
	MaxSessions         int                      // live sessions per user, the least recently used revoked beyond it; default 50, negative: no cap
	SessionCacheTTL     time.Duration            // how long a session's liveness is trusted without a query; default 30s, negative: not at all (every request reads it)
	ReauthWindow        time.Duration            // how long after a login or re-authentication sensitive actions are allowed; default 10m
	Argon2              Argon2Params             // default DefaultArgon2
	Hasher              *Hasher                  // default NewHasher(Argon2); tests pass one to count its work
	KeyEncryptionKey    signing.KeyEncryptionKey // seals signing keys, authenticator seeds and the server secrets (CSRF, throttle keys) at rest; nil stores them plain
	PublicURL           string                   // base of the links in emails; default http://127.0.0.1:8080
	Mailer              Mailer                   // outgoing mail; default: a queue that writes to Logger
	// RequireVerifiedEmail limits users who have not confirmed their email
	// to their profile and the resend endpoint (email_unverified).
	RequireVerifiedEmail bool
	// EventRetention is how long security events are kept (default 90
	// days); the sweeper deletes older ones (Activity.Sweep).
	EventRetention time.Duration
	// EventsPerAccount caps the security events kept per account (default
	// DefaultEventsPerAccount): recording one more deletes the account's
	// oldest, so what one account can store, and what its data export
	// holds, is bounded whatever it does within the retention.
	EventsPerAccount int
	// Notices turns off the notices mailed to account owners (all are sent
	// by default).
	Notices NoticeSettings
	// Now is the service's clock (default time.Now). Its readings are
	// kept to whole microseconds, as both databases store them, so what a
	// create answers is what every later read answers.
	Now    func() time.Time
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Issuer == "" {
		c.Issuer = "authkit"
	}
	if c.Audience == "" {
		c.Audience = c.Issuer
	}
	if c.AccessTTL <= 0 {
		c.AccessTTL = 5 * time.Minute
	}
	if c.RefreshTTL <= 0 {
		c.RefreshTTL = 14 * 24 * time.Hour
	}
	if c.SessionMaxAge == 0 {
		c.SessionMaxAge = DefaultSessionMaxAge
	}
	if c.MaxSessions == 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.ReauthWindow <= 0 {
		c.ReauthWindow = 10 * time.Minute
	}
	if c.SessionCacheTTL == 0 {
		c.SessionCacheTTL = 30 * time.Second
	}
	if c.EventRetention <= 0 {
		c.EventRetention = DefaultEventRetention
	}
	if c.EventsPerAccount <= 0 {
		c.EventsPerAccount = DefaultEventsPerAccount
	}
	if c.Argon2 == (Argon2Params{}) {
		c.Argon2 = DefaultArgon2
	}
	if c.Hasher == nil {
		c.Hasher = NewHasher(c.Argon2)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Now = microsecondClock(c.Now)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://127.0.0.1:8080"
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.Mailer == nil {
		c.Mailer = mail.SenderQueue(mail.LogSender(c.Logger))
	}
}

// DefaultSessionMaxAge is a session's absolute lifetime unless
// Config.SessionMaxAge says otherwise: 30 days.
const DefaultSessionMaxAge = 30 * 24 * time.Hour

// DefaultMaxSessions is the cap on a user's live sessions unless
// Config.MaxSessions says otherwise.
const DefaultMaxSessions = 50

// microsecondClock reads now to the microsecond: the precision PostgreSQL
// stores and SQLite reads back. (Truncating also drops the monotonic
// reading, which no stored time can keep anyway.)
func microsecondClock(now func() time.Time) func() time.Time {
	return func() time.Time { return now().Truncate(time.Microsecond) }
}

// clock is the service's source of time (Config.Now), always in UTC.
type clock func() time.Time

func (c clock) now() time.Time { return c().UTC() }
