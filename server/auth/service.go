// Package auth is the authentication service: accounts, passwords,
// sessions, access tokens and rotating refresh tokens. It knows nothing of
// HTTP; the httpapi package turns requests into calls here and the
// *shared.Error values returned here into responses.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"strings"
	"time"

	"github.com/authkit/authkit/server/mail"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Config holds the service's settings. Zero values take the defaults
// noted on each field.
type Config struct {
	Issuer           string           // "iss" of access tokens; default "authkit"
	Audience         string           // "aud" of access tokens; default the issuer
	AccessTTL        time.Duration    // default 5m
	RefreshTTL       time.Duration    // default 14 days
	LoginThrottle    int              // failed logins per account+client per 15 minutes; 0 disables
	RegisterThrottle int              // registrations per client per minute; 0 disables
	SessionCacheTTL  time.Duration    // how long a session's liveness is trusted without a query; default 30s
	Argon2           Argon2Params     // default DefaultArgon2
	KeyEncryptionKey KeyEncryptionKey // encrypts new signing keys at rest; nil stores them plain
	PublicURL        string           // base of the links in emails; default http://127.0.0.1:8080
	Mailer           Mailer           // outgoing mail; default: a queue that writes to Logger
	// RequireVerifiedEmail limits users who have not confirmed their email
	// to their profile and the resend endpoint (email_unverified).
	RequireVerifiedEmail bool
	Now                  func() time.Time
	Logger               *slog.Logger
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
	if c.SessionCacheTTL <= 0 {
		c.SessionCacheTTL = 30 * time.Second
	}
	if c.Argon2 == (Argon2Params{}) {
		c.Argon2 = DefaultArgon2
	}
	if c.Now == nil {
		c.Now = time.Now
	}
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

// Service is the authentication service. It is safe for concurrent use.
type Service struct {
	store     *store.Store
	cfg       Config
	hasher    *Hasher
	tokens    *tokenCodec
	keyReload keyReloader
	csrfKey   []byte
	sessions  sessionCache
	users     *ttlCache[store.User]
	logins    *throttle // failed logins per account+client
	registers *throttle // registrations per client

	resetsByEmail  *throttle // password reset requests per email
	resetsByClient *throttle // password reset requests per client
	verifications  *throttle // confirmation mails per user
	background     chan struct{}

	log *slog.Logger
}

// New builds the service on a migrated store, loading (or creating on
// first start) the signing keys and the CSRF key.
func New(ctx context.Context, st *store.Store, cfg Config) (*Service, error) {
	cfg.setDefaults()
	now := cfg.Now().UTC()
	keys, err := loadKeyring(ctx, st, cfg.KeyEncryptionKey, cfg.AccessTTL, now)
	if err != nil {
		return nil, err
	}
	csrfKey, err := st.EnsureSecret(ctx, "csrf_hmac_key", randomBytes(32), now)
	if err != nil {
		return nil, err
	}
	return &Service{
		store:     st,
		cfg:       cfg,
		hasher:    NewHasher(cfg.Argon2),
		tokens:    newTokenCodec(keys, cfg.Issuer, cfg.Audience, cfg.AccessTTL, cfg.Now),
		csrfKey:   csrfKey,
		sessions:  newSessionCache(cfg.SessionCacheTTL, 100_000),
		users:     newTTLCache[store.User](cfg.SessionCacheTTL, 100_000),
		logins:    newThrottle(cfg.LoginThrottle, 15*time.Minute),
		registers: newThrottle(cfg.RegisterThrottle, time.Minute),

		resetsByEmail:  newThrottle(resetsPerEmail, time.Hour),
		resetsByClient: newThrottle(resetsPerClient, time.Hour),
		verifications:  newThrottle(verificationsPerDay, 24*time.Hour),
		background:     make(chan struct{}, 64),

		log: cfg.Logger,
	}, nil
}

// Config returns the settings in force, defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// JWKS returns the public signing keys, for /.well-known/jwks.json.
func (s *Service) JWKS() JWKS { return s.tokens.keys.Load().jwks() }

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// Client describes where a request comes from. It is stored with each
// session so people can recognise their devices.
type Client struct {
	IP        string
	UserAgent string
}

// Issued is the result of a login or refresh: a new access token and a new
// refresh token for one session.
type Issued struct {
	SessionID      string
	Access         string
	AccessExpires  time.Time
	Refresh        string
	RefreshExpires time.Time
}

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID        string
	SessionID     string
	EmailVerified bool
}

// The errors of the service, as the API shows them. Unknown email, wrong
// password and inactive account share one error so that answers do not
// reveal which accounts exist.
var (
	errInvalidCredentials = shared.NewError(shared.CodeInvalidCredentials, "The email or password is incorrect.")
	errNotAuthenticated   = shared.NewError(shared.CodeNotAuthenticated, "Please log in.")
	errSessionEnded       = shared.NewError(shared.CodeNotAuthenticated, "Your session has ended. Please log in again.")
	errTokenExpiredAPI    = shared.NewError(shared.CodeTokenExpired, "Your access token has expired. Refresh it and try again.")
	errForbidden          = shared.NewError(shared.CodeForbidden, "You do not have permission to do this.")
	errNotFound           = shared.NewError(shared.CodeNotFound, "Not found.")
)

func rateLimited(wait time.Duration) error {
	return &shared.Error{
		Code:       shared.CodeRateLimited,
		Message:    "Too many attempts. Please wait and try again.",
		RetryAfter: wait,
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// CSRFToken is the anti-CSRF token of a session: an HMAC of its id, so a
// token is only good for the session it was issued to (OWASP CSRF Cheat
// Sheet, "signed double-submit cookie").
func (s *Service) CSRFToken(sessionID string) string {
	mac := hmac.New(sha256.New, s.csrfKey)
	mac.Write([]byte("csrf:" + sessionID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// CheckCSRF reports, in constant time, whether token is the session's.
func (s *Service) CheckCSRF(sessionID, token string) bool {
	return hmac.Equal([]byte(token), []byte(s.CSRFToken(sessionID)))
}
