package sso

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/authkit/authkit/server/store"
)

// An account a provider made without vouching for its address
// (email_verified false; rule 2 in accounts.go) has a way in that nobody
// proved is the address owner's: it may be a squatter's, who signed up
// with someone else's address first. The owner may confirm the address
// from the mail that sign-up sent, and from then on the squatter, still
// signed in through the provider, could add passkeys, an authenticator
// app or provider accounts of their own, or disconnect the first one.
// While marked, a provider account that vouches for the address is not
// connected to it at sign-in (rule 3 in accounts.go): the owner would be
// signed in to the squatter's account, and that provider's vouching
// would clear the mark below.
// Disconnecting does not cure it: the account stays marked
// (auth.UnprovenMark) until
//   - a password reset, whose mailed link proves the mailbox and which
//     then removes every way in and second factor;
//   - the address is confirmed from a session of the account itself: the
//     person signed in through the provider opened the mailed link, so
//     they hold both;
//   - or a sign-in through one of its provider accounts comes with the
//     provider vouching for the address the account was made with, while
//     the account still has it (an email change to an address of the
//     squatter's own, vouched for there, and back proves nothing).

// unvouchedAccount marks such an account.
type unvouchedAccount struct {
	bun.BaseModel `bun:"table:unvouched_accounts"`

	UserID    string    `bun:"user_id,pk"`
	Email     string    `bun:"email,notnull"` // the address the account was made with
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// markUnvouched marks u, a new account, as made without the provider
// vouching for its address, within tx.
func markUnvouched(ctx context.Context, tx *store.Store, u *store.User, now time.Time) error {
	_, err := tx.IDB().NewInsert().Model(&unvouchedAccount{UserID: u.ID, Email: u.Email, CreatedAt: now}).Exec(ctx)
	return store.MapError(err)
}

// vouchedFor removes u's mark when a provider has just vouched for
// email, the address u was made with, which u still has, within tx.
func vouchedFor(ctx context.Context, tx *store.Store, u *store.User, email string) error {
	if email != u.Email {
		return nil
	}
	_, err := tx.IDB().NewDelete().Model((*unvouchedAccount)(nil)).Where("user_id = ? AND email = ?", u.ID, email).Exec(ctx)
	return store.MapError(err)
}

// isUnvouched reports whether the account is marked, within tx.
func isUnvouched(ctx context.Context, tx *store.Store, userID string) (bool, error) {
	ok, err := tx.IDB().NewSelect().Model((*unvouchedAccount)(nil)).Where("user_id = ?", userID).Exists(ctx)
	return ok, store.MapError(err)
}

// clearUnvouched removes the account's mark, if any, within tx, and
// reports whether there was one: the module's auth.UnprovenMark.
func clearUnvouched(ctx context.Context, tx *store.Store, userID string) (bool, error) {
	res, err := tx.IDB().NewDelete().Model((*unvouchedAccount)(nil)).Where("user_id = ?", userID).Exec(ctx)
	if err != nil {
		return false, store.MapError(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
