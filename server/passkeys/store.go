package passkeys

import (
	"context"
	"encoding/json"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/uptrace/bun"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
)

// passkey is a stored credential. The whole webauthn.Credential is kept as
// JSON (its public key, attestation, transports); the sign count and the
// backup flags have columns of their own, kept current at every use, so
// they can be read and checked without decoding it.
type passkey struct {
	bun.BaseModel `bun:"table:passkeys"`

	ID             string     `bun:"id,pk"`
	UserID         string     `bun:"user_id,notnull"`
	CredentialID   []byte     `bun:"credential_id,notnull,unique"`
	Name           string     `bun:"name,notnull"`
	Credential     string     `bun:"credential,notnull"`
	SignCount      int64      `bun:"sign_count,notnull"`
	BackupEligible bool       `bun:"backup_eligible,notnull"`
	BackupState    bool       `bun:"backup_state,notnull"`
	CreatedAt      time.Time  `bun:"created_at,notnull"`
	LastUsedAt     *time.Time `bun:"last_used_at"`
}

// JSON is the passkey as the API shows it.
func (p *passkey) JSON() sharedpasskeys.Passkey {
	return sharedpasskeys.Passkey{ID: p.ID, Name: p.Name, CreatedAt: p.CreatedAt, LastUsedAt: p.LastUsedAt}
}

// credential decodes the stored credential, with the columns' sign count
// and flags.
func (p *passkey) credential() (webauthn.Credential, error) {
	var c webauthn.Credential
	if err := json.Unmarshal([]byte(p.Credential), &c); err != nil {
		return c, err
	}
	c.Authenticator.SignCount = uint32(p.SignCount)
	c.Flags.BackupEligible, c.Flags.BackupState = p.BackupEligible, p.BackupState
	return c, nil
}

// ceremony is a WebAuthn ceremony in progress: go-webauthn's SessionData
// as JSON, found again by its challenge (which the browser signs into
// clientDataJSON), spent once and dead after ceremonyTTL.
type ceremony struct {
	bun.BaseModel `bun:"table:webauthn_ceremonies"`

	ID        string     `bun:"id,pk"`
	Challenge string     `bun:"challenge,notnull,unique"`
	Kind      string     `bun:"kind,notnull"` // kindRegister or kindLogin
	UserID    *string    `bun:"user_id"`      // the registering user; nil for logins
	SessionID *string    `bun:"session_id"`   // the registering user's session; nil for logins
	Browser   *string    `bun:"browser"`      // a sign-in's browser (browserHash); nil for registrations
	Session   string     `bun:"session,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
}

// begunBy reports whether a registration ceremony is the caller's: begun
// by their user in the session they call from.
func (c *ceremony) begunBy(caller auth.Principal) bool {
	return c.UserID != nil && *c.UserID == caller.UserID && c.SessionID != nil && *c.SessionID == caller.SessionID
}

const (
	kindRegister = "register"
	kindLogin    = "login"
	ceremonyTTL  = 5 * time.Minute
)

// passkeysOf lists a user's passkeys, newest first.
func passkeysOf(ctx context.Context, db bun.IDB, userID string) ([]passkey, error) {
	list := []passkey{}
	err := db.NewSelect().Model(&list).Where("user_id = ?", userID).OrderExpr("created_at DESC, id DESC").Scan(ctx)
	return list, store.MapError(err)
}

// countPasskeys counts a user's passkeys: each is a way to sign in, for
// the core's count of them (auth.WaysIn), and the last one gone means
// the user has no passkeys.
func countPasskeys(ctx context.Context, tx *store.Store, userID string) (int, error) {
	n, err := tx.IDB().NewSelect().Model((*passkey)(nil)).Where("user_id = ?", userID).Count(ctx)
	return int(n), store.MapError(err)
}

// saveCeremony stores a ceremony that has just begun, and deletes the
// expired and spent ones, so unauthenticated begins cannot pile rows up.
func saveCeremony(ctx context.Context, st *store.Store, c *ceremony) error {
	return st.InTx(ctx, func(tx *store.Store) error {
		if _, err := deleteDeadCeremonies(ctx, tx, c.CreatedAt); err != nil {
			return err
		}
		_, err := tx.IDB().NewInsert().Model(c).Exec(ctx)
		return store.MapError(err)
	})
}

// deleteDeadCeremonies deletes the ceremonies that expired by now or were
// spent (spendCeremony has returned those to their finish already), and
// returns how many.
func deleteDeadCeremonies(ctx context.Context, st *store.Store, now time.Time) (int64, error) {
	res, err := st.IDB().NewDelete().Model((*ceremony)(nil)).
		WhereOr("expires_at <= ?", now).WhereOr("used_at IS NOT NULL").Exec(ctx)
	if err != nil {
		return 0, store.MapError(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// spendCeremony marks the live ceremony of this kind and challenge used,
// in one conditional UPDATE, and returns it: a ceremony completes once,
// even when two requests race with it. With a browser (a browserHash),
// only that browser's ceremony is spent, so another browser can neither
// finish it nor use it up. ErrNotFound when there is none.
func spendCeremony(ctx context.Context, st *store.Store, kind, challenge string, browser *string, now time.Time) (*ceremony, error) {
	c := new(ceremony)
	err := st.InTx(ctx, func(tx *store.Store) error {
		q := tx.IDB().NewUpdate().Model((*ceremony)(nil)).Set("used_at = ?", now).
			Where("challenge = ?", challenge).Where("kind = ?", kind).
			Where("used_at IS NULL").Where("expires_at > ?", now)
		if browser != nil {
			q = q.Where("browser = ?", *browser)
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return store.MapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return store.MapError(tx.IDB().NewSelect().Model(c).Where("challenge = ?", challenge).Scan(ctx))
	})
	return c, err
}
