package account_test

import (
	"context"
	"errors"
	"net/http"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// bookmarks is a fork's module in miniature: a table of its own
// (20261125150000_bookmarks_test.go), a route to add to it, and the
// UserDataOwner hooks. failDelete makes its delete hook fail, as a module
// whose database refused would.
type bookmarks struct{ failDelete bool }

type bookmark struct {
	bun.BaseModel `bun:"table:bookmarks"`
	ID            int64  `bun:"id,pk,autoincrement"`
	UserID        string `bun:"user_id,notnull"`
	URL           string `bun:"url,notnull"`
}

// addBookmark is the body of POST /api/bookmarks.
type addBookmark struct {
	URL string `json:"url"`
}

// bookmarkList is the module's data in an export.
type bookmarkList struct {
	URLs []string `json:"urls"`
}

func (bookmarks) Name() string                    { return "bookmarks" }
func (bookmarks) Migrations() *migrate.Migrations { return bookmarkMigrations }

func (bookmarks) Mount(k *httpapi.Kit) ([]httpapi.Route, error) {
	add := func(w http.ResponseWriter, r *http.Request) error {
		caller, _ := httpapi.UserFrom(r.Context())
		req, err := httpapi.Decode[addBookmark](w, r)
		if err != nil {
			return err
		}
		err = k.Store.InTx(r.Context(), func(tx *store.Store) error {
			_, err := tx.IDB().NewInsert().Model(&bookmark{UserID: caller.UserID, URL: req.URL}).Exec(r.Context())
			return store.MapError(err)
		})
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	}
	return []httpapi.Route{{Pattern: "POST /api/bookmarks", Guard: httpapi.RequireVerified, Summary: "Add a bookmark",
		Request: addBookmark{}, Errors: []shared.Code{}, Handler: add}}, nil
}

func (m bookmarks) DeleteUserData(ctx context.Context, tx *store.Store, userID string) error {
	if m.failDelete {
		return errors.New("bookmarks: the disk is on fire")
	}
	_, err := tx.IDB().NewDelete().Model((*bookmark)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return store.MapError(err)
}

func (bookmarks) ExportUserData(ctx context.Context, st *store.Store, userID string) (any, error) {
	out := bookmarkList{URLs: []string{}}
	err := st.IDB().NewSelect().Model((*bookmark)(nil)).Column("url").Where("user_id = ?", userID).
		OrderExpr("id").Scan(ctx, &out.URLs)
	return out, store.MapError(err)
}
