// Package auth is the authentication core: accounts and passwords
// (Accounts), sessions with their access and rotating refresh tokens
// (Sessions), staff administration (Admin) and recovery by email
// (Recovery). Signing keys and the access-token codec live in package
// signing. It knows nothing of HTTP; the httpapi package turns requests
// into calls here and the *shared.Error values returned here into
// responses.
package auth

import (
	"context"
	"time"

	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/server/store"
)

// Service builds the parts of the core on one store and holds them; each
// part keeps its own rate limits. It has no behaviour of its own beyond
// starting their background work (Watch). Safe for concurrent use.
type Service struct {
	Keys     *signing.Keys
	Sessions *Sessions
	Accounts *Accounts
	Admin    *Admin
	Recovery *Recovery
	// Factors is the registry of second factors and the login's second
	// step; modules register their factors into it.
	Factors *Factors

	cfg    Config
	store  *store.Store
	events *eventBus
}

// New builds the service on a migrated store, loading (or creating on
// first start) the signing keys.
func New(ctx context.Context, st *store.Store, cfg Config) (*Service, error) {
	cfg.setDefaults()
	keys, err := signing.Load(ctx, st, signing.Config{
		AccessTTL: cfg.AccessTTL, KeyEncryptionKey: cfg.KeyEncryptionKey, Now: cfg.Now, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	events := &eventBus{store: st, log: cfg.Logger}
	now := clock(cfg.Now)
	live := newSessionCache(cfg.SessionCacheTTL, 100_000)
	users := &userCache{store: st, entries: newTTLCache[store.User](cfg.SessionCacheTTL, 100_000),
		sessions: live, events: events, clock: now}
	sessions := &Sessions{store: st, tokens: signing.NewAccessTokens(keys, cfg.Issuer, cfg.Audience),
		live: live, users: users, events: events, refreshTTL: cfg.RefreshTTL, clock: now, log: cfg.Logger}
	recovery := newRecovery(st, cfg, users)
	factors := &Factors{store: st, sessions: sessions, users: users, clock: now,
		checks: newThrottle(cfg.LoginThrottle, 15*time.Minute)}
	return &Service{
		Keys:     keys,
		Sessions: sessions,
		Accounts: newAccounts(st, cfg, sessions, users, factors, recovery),
		Admin:    &Admin{store: st, users: users, sessions: sessions, factors: factors, clock: now},
		Recovery: recovery,
		Factors:  factors,
		cfg:      cfg,
		store:    st,
		events:   events,
	}, nil
}

// Config returns the settings in force, defaults filled in.
func (s *Service) Config() Config { return s.cfg }
