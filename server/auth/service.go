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
	Activity *Activity // security events: recording and reading them
	// Factors is the registry of second factors and the login's second
	// step; modules register their factors into it.
	Factors *Factors
	// WaysIn counts each account's ways to sign in (the password, and the
	// login methods modules register), so the last one cannot be removed.
	WaysIn *WaysIn

	cfg     Config
	store   *store.Store
	limits  throttles
	events  *eventBus
	stats   *stats
	notices *notifier

	moduleThrottles moduleThrottles // NewThrottle's, for PruneThrottles
}

// New builds the service on a migrated store, loading (or creating on
// first start) the signing keys.
func New(ctx context.Context, st *store.Store, cfg Config) (*Service, error) {
	if cfg.Hasher == nil && cfg.Argon2 != (Argon2Params{}) {
		if err := cfg.Argon2.checkBounds(); err != nil {
			return nil, err
		}
	}
	cfg.setDefaults()
	keys, err := signing.Load(ctx, st, signing.Config{
		AccessTTL: cfg.AccessTTL, KeyEncryptionKey: cfg.KeyEncryptionKey, Now: cfg.Now, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	limits, err := newThrottles(ctx, st, cfg.KeyEncryptionKey, cfg.Now().UTC(), cfg.Logger)
	if err != nil {
		return nil, err
	}
	events := &eventBus{store: st, log: cfg.Logger}
	counts := new(stats)
	now := clock(cfg.Now)
	live := newSessionCache(cfg.SessionCacheTTL, 100_000)
	users := &userCache{store: st, entries: newTTLCache[store.User](cfg.SessionCacheTTL, 100_000),
		sessions: live, events: events, clock: now}
	notices := newNotifier(cfg)
	activity := newActivity(st, cfg)
	sessions := &Sessions{store: st, tokens: signing.NewAccessTokens(keys, cfg.Issuer, cfg.Audience),
		live: live, users: users, events: events, activity: activity, notices: notices, refreshTTL: cfg.RefreshTTL, maxAge: cfg.SessionMaxAge, maxLive: cfg.MaxSessions,
		clock: now, log: cfg.Logger, stats: counts}
	recovery := newRecovery(st, cfg, limits, users, sessions, notices, activity)
	accounts := newAccounts(st, cfg, limits, sessions, users, recovery, activity, notices, counts)
	// Code checks share the accounts' per-account guess throttle
	// (AccountSecretCheck) with the other secrets of an account.
	factors := &Factors{store: st, sessions: sessions, users: users, guess: accounts.AccountSecretCheck, clock: now,
		log: cfg.Logger}
	accounts.factors = factors
	waysIn := newWaysIn()
	recovery.factors, recovery.waysIn = factors, waysIn
	return &Service{
		Keys:     keys,
		Sessions: sessions,
		Accounts: accounts,
		Admin:    &Admin{store: st, users: users, sessions: sessions, notices: notices, factors: factors, activity: activity, clock: now},
		Recovery: recovery,
		Activity: activity,
		Factors:  factors,
		WaysIn:   waysIn,
		cfg:      cfg,
		store:    st,
		limits:   limits,
		events:   events,
		stats:    counts,
		notices:  notices,
	}, nil
}

// Config returns the settings in force, defaults filled in.
func (s *Service) Config() Config { return s.cfg }
