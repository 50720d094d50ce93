package notes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
	sharednotes "github.com/authkit/authkit/shared/notes"
)

// Note is a stored note. It never goes on the wire as it is: JSON names
// each field that does.
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

// Service manages notes on the kit's store. Every method is scoped to one
// user: another user's note is indistinguishable from a missing one
// (not_found). Writes go through store.InTx, so they take SQLite's writer
// turn and refuse a database file that was moved away, like the kit's own.
type Service struct {
	store *store.Store
	now   func() time.Time
}

// NewService returns the service; now defaults to time.Now.
func NewService(st *store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, now: now}
}

// MaxNotesPerUser bounds what one account can store, so a script with a
// stolen session cannot fill the disk.
const MaxNotesPerUser = 1000

var (
	errNotFound = shared.NewError(shared.CodeNotFound, "There is no such note.")
	errTooMany  = shared.NewError(shared.CodeLimitReached, fmt.Sprintf("You have %d notes, the most an account can keep. Delete some to add more.", MaxNotesPerUser))
)

// List returns the user's notes, newest first.
func (s *Service) List(ctx context.Context, userID string) ([]Note, error) {
	notes := []Note{}
	err := s.store.IDB().NewSelect().Model(&notes).Where("user_id = ?", userID).
		OrderExpr("created_at DESC, id DESC").Scan(ctx)
	return notes, store.MapError(err)
}

// Create adds a note. Errors: validation_failed, limit_reached.
func (s *Service) Create(ctx context.Context, userID string, req sharednotes.CreateNoteRequest) (*Note, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	n := &Note{ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, Title: req.Title, Body: req.Body, CreatedAt: now, UpdatedAt: now}
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if err := s.checkRoom(ctx, tx, userID); err != nil {
			return err
		}
		_, err := tx.IDB().NewInsert().Model(n).Exec(ctx)
		return store.MapError(err)
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// checkRoom refuses a note past MaxNotesPerUser. On PostgreSQL it first
// locks the user's row, so two creates at once cannot both see room for
// the last note; SQLite's transactions already take turns.
func (s *Service) checkRoom(ctx context.Context, tx *store.Store, userID string) error {
	if err := tx.LockUser(ctx, userID); err != nil {
		return err
	}
	count, err := tx.IDB().NewSelect().Model((*Note)(nil)).Where("user_id = ?", userID).Count(ctx)
	if err != nil {
		return store.MapError(err)
	}
	if count >= MaxNotesPerUser {
		return errTooMany
	}
	return nil
}

// Update changes a note's title and/or body. Errors: validation_failed,
// not_found.
func (s *Service) Update(ctx context.Context, userID, id string, req sharednotes.UpdateNoteRequest) (*Note, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	n := new(Note)
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.IDB().NewSelect().Model(n).Where("id = ? AND user_id = ?", id, userID).Scan(ctx); err != nil {
			return store.MapError(err)
		}
		if req.Title != nil {
			n.Title = *req.Title
		}
		if req.Body != nil {
			n.Body = *req.Body
		}
		n.UpdatedAt = s.now().UTC()
		_, err := tx.IDB().NewUpdate().Model(n).Column("title", "body", "updated_at").WherePK().Exec(ctx)
		return store.MapError(err)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound
	}
	return n, err
}

// Delete removes a note. Errors: not_found.
func (s *Service) Delete(ctx context.Context, userID, id string) error {
	return s.store.InTx(ctx, func(tx *store.Store) error {
		res, err := tx.IDB().NewDelete().Model((*Note)(nil)).Where("id = ? AND user_id = ?", id, userID).Exec(ctx)
		if err != nil {
			return store.MapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}
