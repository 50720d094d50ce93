package sso

import (
	"time"

	"github.com/uptrace/bun"
)

// identity is a provider account connected to a user: signing in there
// signs the user in here. The pair (provider, subject) is unique, so one
// provider account leads to one user, whatever its email says later.
type identity struct {
	bun.BaseModel `bun:"table:user_identities"`

	ID        string    `bun:"id,pk"`
	UserID    string    `bun:"user_id,notnull"`
	Provider  string    `bun:"provider,notnull"` // a provider's id: oidc, google, github
	Subject   string    `bun:"subject,notnull"`  // the provider's stable id of the account ("sub"; GitHub's numeric id)
	Email     string    `bun:"email,notnull"`    // as the provider gave it at the last sign-in; for people, never for matching
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// attempt is one sign-in (or connection) in flight: what the callback
// needs to finish it. It is stored under the SHA-256 of its state, which
// only the browser that started it holds (in a cookie), and it is deleted
// as it is used, so it works once; after 10 minutes it is refused.
type attempt struct {
	bun.BaseModel `bun:"table:oauth_attempts"`

	StateHash string    `bun:"state_hash,pk"` // hex SHA-256 of the state
	Provider  string    `bun:"provider,notnull"`
	Nonce     string    `bun:"nonce,notnull"`    // OpenID Connect: the ID token must carry it back
	Verifier  string    `bun:"verifier,notnull"` // PKCE (RFC 7636): proves the code's redeemer started the flow
	Next      string    `bun:"next,notnull"`     // where the browser goes after signing in: a path of this site
	UserID    string    `bun:"user_id,notnull"`  // connecting an account: the user who asked; "" for a sign-in
	SessionID string    `bun:"session_id,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	ExpiresAt time.Time `bun:"expires_at,notnull"`
}
