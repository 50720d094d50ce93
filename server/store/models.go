package store

import (
	"time"

	"github.com/uptrace/bun"
)

// User is an account as stored. Handlers never encode it directly; they
// convert it to shared.User so a new column cannot leak onto the wire.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID            string     `bun:"id,pk"`
	Email         string     `bun:"email,notnull,unique"` // normalised: trimmed, lower case
	Name          string     `bun:"name,notnull"`
	PasswordHash  string     `bun:"password_hash,notnull"` // PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash; "" for no password (auth.NoPassword)
	IsActive      bool       `bun:"is_active,notnull"`
	IsStaff       bool       `bun:"is_staff,notnull"`
	IsSuperuser   bool       `bun:"is_superuser,notnull"`
	DateJoined    time.Time  `bun:"date_joined,notnull"`
	LastLogin     *time.Time `bun:"last_login"`
	EmailVerified bool       `bun:"email_verified,notnull"`
	// Factors lists the sign-in factors the user has set up beside the
	// password, space-separated ("totp passkey"). The modules that own
	// them keep it current (auth.Factors.Mark), so the login and the user
	// object know them without asking each module.
	Factors string `bun:"factors,notnull"`
}

// Session is one login on one device. Its refresh tokens form a family:
// revoking the session ends every token in it.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	ID         string     `bun:"id,pk"`
	UserID     string     `bun:"user_id,notnull"`
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	LastUsedAt time.Time  `bun:"last_used_at,notnull"`
	ExpiresAt  time.Time  `bun:"expires_at,notnull"` // that of its newest refresh token
	UserAgent  string     `bun:"user_agent,notnull"`
	IP         string     `bun:"ip,notnull"`
	RevokedAt  *time.Time `bun:"revoked_at"`
	// AuthMethod is how the session was signed in: "password",
	// "password+totp", "passkey", "oidc"… (auth's Method constants).
	AuthMethod string `bun:"auth_method,notnull"`
	// AuthenticatedAt is the last proof of identity: the login, or the
	// latest re-authentication. Sensitive actions need it recent.
	AuthenticatedAt time.Time `bun:"authenticated_at"`

	// User is filled in only by RefreshTokenForRotation.
	User *User `bun:"-"`
}

// RefreshToken is one opaque refresh token, stored only as the SHA-256 of
// its value so a database leak yields no usable token. A used token is
// kept (with UsedAt and ReplacedBy) until it expires, so a second
// presentation is recognised as reuse (RFC 9700 §4.14.2).
type RefreshToken struct {
	bun.BaseModel `bun:"table:refresh_tokens"`

	ID         string     `bun:"id,pk"`
	SessionID  string     `bun:"session_id,notnull"`
	TokenHash  string     `bun:"token_hash,notnull,unique"` // hex SHA-256
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	ExpiresAt  time.Time  `bun:"expires_at,notnull"`
	UsedAt     *time.Time `bun:"used_at"`
	ReplacedBy *string    `bun:"replaced_by"`
	// SpentBy identifies the client that spent the token (auth decides
	// how); empty while unspent, and for tokens spent before it existed.
	SpentBy string `bun:"spent_by,notnull"`

	// Session (with its User) is filled in only by RefreshTokenForRotation.
	Session *Session `bun:"-"`
}

// SigningKey is a JWT signing key pair. Every instance on the database
// signs and verifies with the same keys.
type SigningKey struct {
	bun.BaseModel `bun:"table:signing_keys"`

	KID        string    `bun:"kid,pk"`
	Algorithm  string    `bun:"algorithm,notnull"`
	PrivateKey []byte    `bun:"private_key,notnull"` // Ed25519 seed
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

// Secret is a named random server secret (such as the CSRF HMAC key),
// created once and shared by every instance.
type Secret struct {
	bun.BaseModel `bun:"table:secrets"`

	Name      string    `bun:"name,pk"`
	Value     []byte    `bun:"value,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// The purposes of one-time tokens.
const (
	PurposePasswordReset = "password_reset"
	PurposeVerifyEmail   = "verify_email"
	PurposeEmailChange   = "email_change" // Payload: the new address
)

// OneTimeToken is a single-use token mailed to a user (password reset,
// email confirmation), stored only as the SHA-256 of its value.
type OneTimeToken struct {
	bun.BaseModel `bun:"table:one_time_tokens"`

	ID        string     `bun:"id,pk"`
	UserID    string     `bun:"user_id,notnull"`
	Purpose   string     `bun:"purpose,notnull"`
	TokenHash string     `bun:"token_hash,notnull,unique"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
	Payload   string     `bun:"payload,notnull"` // what the link carries besides its purpose; "" for most
}

// SecurityEvent is one thing that happened to an account (see
// shared.EventType), recorded in the transaction of the change itself
// (RecordEvent). UserID is "" only for the last event of a deleted
// account, which keeps no personal data; ActorID names the staff member
// who acted, "" when the account's owner did.
type SecurityEvent struct {
	bun.BaseModel `bun:"table:security_events,alias:e"`

	ID        string            `bun:"id,pk"`
	UserID    string            `bun:"user_id,nullzero"`
	Type      string            `bun:"type,notnull"`
	At        time.Time         `bun:"at,notnull"`
	IP        string            `bun:"ip,notnull"`
	UserAgent string            `bun:"user_agent,notnull"`
	ActorID   string            `bun:"actor_id,nullzero"`
	Detail    map[string]string `bun:"detail,notnull"` // stored as a JSON object
	// Seq numbers the account's events in the order they were recorded
	// (RecordEvent sets it): what the cap on events kept per account
	// counts by (TrimEvents). It is 0 for an event of no account, and for
	// repeated events (RecordRepeatedEvent), which have their own cap.
	Seq int64 `bun:"seq,notnull"`
	// ByStaff marks an event a staff member caused (RecordEvent sets it
	// from ActorID): it stays when the staff member's account is deleted,
	// which empties ActorID, so the audit of admin actions keeps it.
	ByStaff bool `bun:"by_staff,notnull"`
}

// MFAChallenge is the second step of a login in progress: the user passed
// the first step (AuthMethod) and must now answer with a second factor.
// Its token is stored only as its SHA-256; it works once, for a few
// minutes and a few attempts.
type MFAChallenge struct {
	bun.BaseModel `bun:"table:mfa_challenges"`

	ID         string     `bun:"id,pk"`
	UserID     string     `bun:"user_id,notnull"`
	TokenHash  string     `bun:"token_hash,notnull,unique"`
	AuthMethod string     `bun:"auth_method,notnull"` // the first step's
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	ExpiresAt  time.Time  `bun:"expires_at,notnull"`
	Attempts   int        `bun:"attempts,notnull"`
	UsedAt     *time.Time `bun:"used_at"`
}
