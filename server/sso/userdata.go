package sso

import (
	"cmp"
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared/sso"
)

// The connected identities are personal data (the provider's id of the
// person and their address there), so the module answers the account
// module's hooks (httpapi.UserDataOwner): a deleted account takes them
// with it, and an export holds them.

// DeleteUserData deletes the user's identities, the connections they
// had in flight (attempts that carry their user id) and the account's
// unproven mark, inside the transaction that deletes the account. Foreign
// keys would cascade the identities and the mark, but like the core's
// store.DeleteUser the module clears its tables itself, so nothing depends
// on them being on; the attempts have none, and would otherwise keep the
// user's id until they expire.
func (m *Module) DeleteUserData(ctx context.Context, tx *store.Store, userID string) error {
	for _, q := range []*bun.DeleteQuery{
		tx.IDB().NewDelete().Model((*identity)(nil)).Where("user_id = ?", userID),
		tx.IDB().NewDelete().Model((*attempt)(nil)).Where("user_id = ?", userID),
		tx.IDB().NewDelete().Model((*unvouchedAccount)(nil)).Where("user_id = ?", userID),
	} {
		if _, err := q.Exec(ctx); err != nil {
			return store.MapError(err)
		}
	}
	return nil
}

// ExportUserData returns the user's identities, oldest first, in their
// wire form: what GET /api/me/identities answers (provider, its name, the
// address it gave, when it was connected); and the account's unvouched
// mark, if it has one, with the address it keeps (which an email change
// does not update). The module keeps no provider tokens, so none can leak
// here.
func (m *Module) ExportUserData(ctx context.Context, st *store.Store, userID string) (any, error) {
	list, err := userIdentities(ctx, st, userID)
	if err != nil {
		return nil, err
	}
	names := m.providerNames()
	out := sso.UserData{IdentitiesResponse: sso.IdentitiesResponse{Identities: make([]sso.Identity, 0, len(list))}}
	for i := range list {
		out.Identities = append(out.Identities, identityJSON(&list[i], cmp.Or(names[list[i].Provider], list[i].Provider)))
	}
	var marks []unvouchedAccount
	if err := st.IDB().NewSelect().Model(&marks).Where("user_id = ?", userID).Scan(ctx); err != nil {
		return nil, store.MapError(err)
	}
	for _, mark := range marks {
		out.Unvouched = &sso.Unvouched{Email: mark.Email, MarkedAt: mark.CreatedAt}
	}
	return out, nil
}

// providerNames maps the configured providers' ids to their names. A
// provider that is no longer configured is named by its id.
func (m *Module) providerNames() map[string]string {
	names := map[string]string{}
	providers, err := m.providers(time.Now)
	if err != nil {
		return names // the settings were checked at Mount; never here
	}
	for _, p := range providers {
		names[p.ID()] = p.Name()
	}
	return names
}
