package totp

import (
	"context"
	"errors"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/store"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// The authenticator app and the recovery codes are data about a user, so
// the module answers the account module's hooks (httpapi.UserDataOwner):
// a deleted account takes its rows with it, and an export says what is
// kept, without a secret or a hash.

var _ httpapi.UserDataOwner = Module{}

// DeleteUserData deletes the user's secrets and recovery codes, inside
// the transaction that deletes the account. The foreign keys would
// cascade too; deleting here says so in the module, whatever the schema
// becomes. (The login challenges in progress are the core's, and go with
// the account's other core rows.)
func (Module) DeleteUserData(ctx context.Context, tx *store.Store, userID string) error {
	return deleteAll(ctx, tx, userID)
}

// ExportUserData says whether the user's authenticator app is on, since
// when, and how their recovery codes stand.
func (Module) ExportUserData(ctx context.Context, st *store.Store, userID string) (any, error) {
	var out sharedtotp.UserData
	row := &secretRow{UserID: userID}
	switch err := store.MapError(st.IDB().NewSelect().Model(row).WherePK().Scan(ctx)); {
	case err == nil:
		out.Enabled, out.EnabledAt, out.SetupPending = row.Secret != nil, row.EnabledAt, row.PendingSecret != nil
		out.SetUpAt = &row.CreatedAt
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	var codes []recoveryCode
	if err := st.IDB().NewSelect().Model(&codes).Column("created_at", "used_at").
		Where("user_id = ?", userID).Scan(ctx); err != nil {
		return nil, store.MapError(err)
	}
	for i := range codes {
		c := &codes[i]
		if c.UsedAt != nil {
			out.RecoveryCodesUsed++
		} else {
			out.RecoveryCodesLeft++
		}
		if out.RecoveryCodesMadeAt == nil || c.CreatedAt.After(*out.RecoveryCodesMadeAt) {
			out.RecoveryCodesMadeAt = &c.CreatedAt
		}
	}
	return out, nil
}
