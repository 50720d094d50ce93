package sso

import (
	"context"
	"time"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/store"
)

// An attempt lives 10 minutes, and one the browser never brought back
// (the person closed the provider's page) would wait for the next start
// to be deleted, with its nonce, its PKCE verifier and, for a connection,
// the user's and session's ids: the module answers the sweep's hook
// (httpapi.ExpiringDataOwner), so they go on schedule.

var _ httpapi.ExpiringDataOwner = (*Module)(nil)

// DeleteExpiredData deletes the attempts that have expired.
func (m *Module) DeleteExpiredData(ctx context.Context, st *store.Store, now time.Time) (int64, error) {
	var n int64
	err := st.InTx(ctx, func(tx *store.Store) error {
		var err error
		n, err = deleteExpiredAttempts(ctx, tx, now)
		return err
	})
	return n, err
}
