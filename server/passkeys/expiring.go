package passkeys

import (
	"context"
	"time"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/store"
)

// Ceremonies expire after 5 minutes, and a begun one that is never
// finished would wait for the next begin to be deleted: the module
// answers the sweep's hook (httpapi.ExpiringDataOwner), so they go on
// schedule even when nobody starts another.

var _ httpapi.ExpiringDataOwner = Module{}

// DeleteExpiredData deletes the ceremonies that expired or were spent.
func (Module) DeleteExpiredData(ctx context.Context, st *store.Store, now time.Time) (int64, error) {
	var n int64
	err := st.InTx(ctx, func(tx *store.Store) error {
		var err error
		n, err = deleteDeadCeremonies(ctx, tx, now)
		return err
	})
	return n, err
}
