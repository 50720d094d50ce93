// Package notes is the worked example of a protected resource: each user's
// private notes. It has its own model and queries (on the kit's database),
// takes the caller's user id from the authenticated request, and returns
// *shared.Error values like the auth service, so the HTTP layer treats it
// the same way. Copy its shape for your own resources.
package notes

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/authkit/authkit/shared"
	sharednotes "github.com/authkit/authkit/shared/notes"
)

// Note is a stored note.
type Note struct {
	bun.BaseModel `bun:"table:notes"`

	ID        string    `bun:"id,pk"`
	UserID    string    `bun:"user_id,notnull"`
	Title     string    `bun:"title,notnull"`
	Body      string    `bun:"body,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// JSON converts a stored note to its wire form.
func (n *Note) JSON() sharednotes.Note {
	return sharednotes.Note{ID: n.ID, Title: n.Title, Body: n.Body, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt}
}

// Service manages notes. Every method is scoped to one user: another
// user's note is indistinguishable from a missing one (not_found).
type Service struct {
	db  *bun.DB
	now func() time.Time
}

// New returns the service on the kit's database.
func New(db *bun.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

var errNotFound = shared.NewError(shared.CodeNotFound, "There is no such note.")

// List returns the user's notes, newest first.
func (s *Service) List(ctx context.Context, userID string) ([]Note, error) {
	notes := []Note{}
	err := s.db.NewSelect().Model(&notes).Where("user_id = ?", userID).OrderExpr("created_at DESC, id DESC").Scan(ctx)
	return notes, err
}

// Create adds a note. Errors: validation_failed.
func (s *Service) Create(ctx context.Context, userID string, req sharednotes.CreateNoteRequest) (*Note, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	n := &Note{ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, Title: req.Title, Body: req.Body, CreatedAt: now, UpdatedAt: now}
	if _, err := s.db.NewInsert().Model(n).Exec(ctx); err != nil {
		return nil, err
	}
	return n, nil
}

// Update changes a note's title and/or body. Errors: validation_failed,
// not_found.
func (s *Service) Update(ctx context.Context, userID, id string, req sharednotes.UpdateNoteRequest) (*Note, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	n := new(Note)
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(n).Where("id = ? AND user_id = ?", id, userID).Scan(ctx); err != nil {
			return err
		}
		if req.Title != nil {
			n.Title = *req.Title
		}
		if req.Body != nil {
			n.Body = *req.Body
		}
		n.UpdatedAt = s.now().UTC()
		_, err := tx.NewUpdate().Model(n).Column("title", "body", "updated_at").WherePK().Exec(ctx)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	return n, err
}

// Delete removes a note. Errors: not_found.
func (s *Service) Delete(ctx context.Context, userID, id string) error {
	res, err := s.db.NewDelete().Model((*Note)(nil)).Where("id = ? AND user_id = ?", id, userID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNotFound
	}
	return nil
}
