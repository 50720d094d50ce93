package httpapi

import (
	"context"
	"fmt"

	"github.com/authkit/authkit/server/store"
)

// The modules' data about users, reached through their UserDataOwner
// hooks: what deleting an account removes and what an export holds. The
// kit runs the hooks (its staff deletion, the account module's own
// deletion and export), so every caller reaches every module.

// RemoveUserData deletes every module's data about a user, in tx: the
// transaction that deletes the account (an auth.DataRemover). The first
// hook to fail cancels the deletion.
func (a *API) RemoveUserData(ctx context.Context, tx *store.Store, userID string) error {
	for _, o := range a.dataOwners {
		if err := o.DeleteUserData(ctx, tx, userID); err != nil {
			return fmt.Errorf("module %s: deleting a user's data: %w", o.Name(), err)
		}
	}
	return nil
}

// ExportUserData returns every module's data about a user, by module
// name.
func (a *API) ExportUserData(ctx context.Context, userID string) (map[string]any, error) {
	out := map[string]any{}
	for _, o := range a.dataOwners {
		data, err := o.ExportUserData(ctx, a.store, userID)
		if err != nil {
			return nil, fmt.Errorf("module %s: exporting a user's data: %w", o.Name(), err)
		}
		out[o.Name()] = data
	}
	return out, nil
}
