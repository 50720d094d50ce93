// Package signing holds the keys that sign access tokens and everything
// done with them: the Ed25519 keyring and its encryption at rest, creating,
// listing, rotating and retiring keys, reloading them when another instance
// rotates, the JWKS document, and the access-token codec itself. It knows
// nothing of users or sessions; package auth decides whom a token is for.
package signing

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authkit/authkit/server/store"
)

// EventKeysChanged is the cross-instance event (store.Publish) that says
// the signing keys changed; whoever watches the store's events calls
// Reload when it arrives.
const EventKeysChanged = "k"

// Config holds the key settings. Zero values take the defaults noted.
type Config struct {
	// AccessTTL is how long access tokens live; it decides when a
	// superseded key retires. Default 5m.
	AccessTTL        time.Duration
	KeyEncryptionKey KeyEncryptionKey // encrypts new keys at rest; nil stores them plain
	Now              func() time.Time // default time.Now
	Logger           *slog.Logger     // default: discard
}

func (c *Config) setDefaults() {
	if c.AccessTTL <= 0 {
		c.AccessTTL = 5 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Keys is the keyring in force on this instance. The keyring is swapped
// atomically on reload, so readers never lock. Safe for concurrent use.
type Keys struct {
	store  *store.Store
	cfg    Config
	ring   atomic.Pointer[keyring]
	reload keyReloader

	// Reloads overlap (the ticker, a rotation's event, an unknown kid):
	// each numbers its read, and a read older than the one in force is
	// not stored, or a reload that read before a rotation and finished
	// after it would bring the old signer back.
	reads  atomic.Uint64
	stored struct {
		sync.Mutex
		read uint64 // the number of the read in force
	}
}

// Load reads the keys in force (creating the first one on first start).
func Load(ctx context.Context, st *store.Store, cfg Config) (*Keys, error) {
	cfg.setDefaults()
	ring, err := loadKeyring(ctx, st, cfg.KeyEncryptionKey, cfg.AccessTTL, cfg.Now().UTC())
	if err != nil {
		return nil, err
	}
	k := &Keys{store: st, cfg: cfg}
	k.ring.Store(ring)
	k.warnIfPlain(ctx, ring)
	return k, nil
}

// warnIfPlain warns when ring's signer is stored unencrypted although a
// key encryption key is set: a key made before it was, or by a rotation
// run without it (which the servers accept, as they read keys stored
// before encryption was turned on). A copy of the database then lets
// anyone forge tokens, which the operator who set the key believes it
// does not. Rotating with the key set seals the next one.
func (k *Keys) warnIfPlain(ctx context.Context, ring *keyring) {
	if ring.plain && k.cfg.KeyEncryptionKey != nil {
		k.cfg.Logger.WarnContext(ctx, "the signing key is stored unencrypted although AUTHKIT_KEY_ENCRYPTION_KEY is set: run `authkit keys rotate` with it set to replace it with a sealed one", "kid", ring.signerKID)
	}
}

func (k *Keys) current() *keyring { return k.ring.Load() }

// JWKS returns the public keys that verify, for /.well-known/jwks.json.
func (k *Keys) JWKS() JWKS { return k.current().jwks() }

// Reload reads the keys again (after a rotation, or to retire old ones).
// A failure is logged and the keys in force stay. When nothing changed, the
// keyring in force stays too: verified tokens are cached per keyring, so
// swapping in an equal copy would throw that cache away for nothing (and
// let anyone who can trigger reloads empty it).
func (k *Keys) Reload(ctx context.Context) {
	read := k.reads.Add(1)
	ring, err := loadKeyring(ctx, k.store, k.cfg.KeyEncryptionKey, k.cfg.AccessTTL, k.cfg.Now().UTC())
	if err != nil {
		k.cfg.Logger.ErrorContext(ctx, "reloading signing keys failed", "err", err)
		return
	}
	k.stored.Lock()
	defer k.stored.Unlock()
	if read < k.stored.read {
		return // a later read is in force
	}
	k.stored.read = read
	if !ring.equal(k.current()) {
		if ring.signerKID != k.current().signerKID {
			k.warnIfPlain(ctx, ring)
		}
		k.ring.Store(ring)
	}
}

// ReloadEvery reloads the keys every half KeyPropagation until ctx ends,
// so a rotation reaches this instance even when its event is lost, and
// retired keys leave the keyring.
func (k *Keys) ReloadEvery(ctx context.Context) {
	t := time.NewTicker(KeyPropagation / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			k.Reload(ctx)
		}
	}
}

// Rotate stores a new signing key, switches to it and tells the other
// instances (EventKeysChanged). It returns the new key's id.
func (k *Keys) Rotate(ctx context.Context) (string, error) {
	kid, err := CreateKey(ctx, k.store, k.cfg.KeyEncryptionKey, k.cfg.Now().UTC())
	if err != nil {
		return "", err
	}
	k.Reload(ctx)
	if err := k.store.Publish(context.WithoutCancel(ctx), EventKeysChanged); err != nil {
		k.cfg.Logger.WarnContext(ctx, "publishing a key rotation failed; other instances see it within a minute", "err", err)
	}
	return kid, nil
}

// DeleteRetired deletes the keys retired for longer than RetiredKeyKept
// (DeleteRetiredKeys) and returns how many; the sweeper calls it.
func (k *Keys) DeleteRetired(ctx context.Context) (int64, error) {
	return DeleteRetiredKeys(ctx, k.store, k.cfg.AccessTTL, k.cfg.Now().UTC())
}

// keyReloader lets a token with an unknown kid trigger a key reload, at
// most once per reloadInterval, so a flood of forged kids cannot turn into
// a flood of database reads. A reload that finds the same keys keeps the
// keyring, and with it the verified-token cache.
type keyReloader struct {
	mu   sync.Mutex
	last time.Time
}

// reloadInterval is the least time between two reloads caused by unknown
// kids.
const reloadInterval = time.Second

// reloadSoon reloads the keys unless that was done within reloadInterval,
// and reports whether it did. Concurrent callers do not wait for a reload
// in progress.
func (k *Keys) reloadSoon(ctx context.Context) bool {
	k.reload.mu.Lock()
	now := k.cfg.Now()
	due := k.reload.last.IsZero() || now.Sub(k.reload.last) >= reloadInterval
	if due {
		k.reload.last = now
	}
	k.reload.mu.Unlock()
	if due {
		k.Reload(ctx)
	}
	return due
}
