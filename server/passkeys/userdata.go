package passkeys

import (
	"context"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/store"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
)

// Passkeys are data about a user, so the module answers the account
// module's hooks (httpapi.UserDataOwner): a deleted account takes its
// passkeys and its ceremonies in progress with it, and an export lists
// the passkeys, without their credentials.

var _ httpapi.UserDataOwner = Module{}

// DeleteUserData deletes the user's passkeys and the registrations they
// have begun, inside the transaction that deletes the account. The
// foreign keys would cascade too; deleting here says so in the module,
// whatever the schema becomes. (Login ceremonies name no user.)
func (Module) DeleteUserData(ctx context.Context, tx *store.Store, userID string) error {
	for _, model := range []any{(*ceremony)(nil), (*passkey)(nil)} {
		if _, err := tx.IDB().NewDelete().Model(model).Where("user_id = ?", userID).Exec(ctx); err != nil {
			return store.MapError(err)
		}
	}
	return nil
}

// ExportUserData lists the user's passkeys, newest first: their names,
// dates and backup flags.
func (Module) ExportUserData(ctx context.Context, st *store.Store, userID string) (any, error) {
	list, err := passkeysOf(ctx, st.IDB(), userID)
	if err != nil {
		return nil, err
	}
	out := sharedpasskeys.UserData{Passkeys: make([]sharedpasskeys.ExportedPasskey, 0, len(list))}
	for i := range list {
		out.Passkeys = append(out.Passkeys, sharedpasskeys.ExportedPasskey{
			Passkey: list[i].JSON(), BackupEligible: list[i].BackupEligible, BackedUp: list[i].BackupState,
		})
	}
	return out, nil
}
