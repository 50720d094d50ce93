package app

import (
	"context"
	"fmt"
	"slices"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Deleting an account from the admin page, after a confirmation. The
// server has the last word on who may delete whom; the page only hides the
// button where it would say no: staff delete accounts that are not staff,
// superusers any account but their own.

func (p *adminPage) mayDelete(u shared.User) bool {
	return u.ID != p.User.ID && (p.User.IsSuperuser || !u.IsStaff && !u.IsSuperuser)
}

func (p *adminPage) onAskDelete(u shared.User) {
	if p.change.Busy {
		return
	}
	p.deleting, p.confirming, p.change.Notice = &u, nil, Notice{}
	p.Focus("cancel-delete-user")
}

func (p *adminPage) renderConfirmDelete() app.UI {
	if p.deleting == nil {
		return nil
	}
	return ConfirmDialog{
		ID:           "confirm-delete-user",
		Title:        fmt.Sprintf("Delete %s?", p.deleting.Email),
		Text:         "The account, its sessions, its history and all its data are deleted for good. They will get a last email saying so.",
		Card:         true,
		ConfirmID:    "confirm-delete-user-button",
		ConfirmLabel: "Delete account",
		BusyLabel:    "Deleting…",
		CancelID:     "cancel-delete-user",
		Busy:         p.change.Busy,
		OnConfirm:    p.onConfirmDelete,
		OnCancel:     p.onCancelDelete,
	}.Render()
}

func (p *adminPage) onCancelDelete(ctx app.Context, e app.Event) {
	if p.deleting == nil || p.change.Busy {
		return
	}
	p.Focus("delete-" + p.deleting.ID)
	p.deleting = nil
}

func (p *adminPage) onConfirmDelete(ctx app.Context, e app.Event) {
	if p.deleting == nil {
		return
	}
	u := *p.deleting
	p.updating = u.ID
	p.Submit(ctx, e, Submission[struct{}]{
		Form: &p.change,
		Send: func(ctx context.Context) (struct{}, error) { return struct{}{}, p.API.DeleteUser(ctx, u.ID) },
		Done: func(ctx app.Context, _ struct{}) { p.deleted(ctx, u) },
		Failed: func(ctx app.Context, err error) bool {
			switch {
			case p.SessionEnded(ctx, err):
			case HasCode(err, shared.CodeNotFound): // deleted meanwhile: what was asked
				p.deleted(ctx, u)
			default:
				// The confirmation, which had focus, closes; the notice
				// says why, and focus goes back to the row's Delete.
				p.deleting = nil
				p.Focus("delete-" + u.ID)
				return false
			}
			return true
		},
	})
}

// deleted drops u from the table and says so; focus goes to the search,
// since the row that had it is gone.
func (p *adminPage) deleted(ctx app.Context, u shared.User) {
	p.deleting = nil
	p.users = slices.DeleteFunc(p.users, func(x shared.User) bool { return x.ID == u.ID })
	p.total = max(0, p.total-1)
	if p.activityOf != nil && p.activityOf.ID == u.ID {
		p.activityOf = nil
	}
	p.change.Notice = SuccessNotice(u.Email + " has been deleted, with all their data.")
	p.Focus("q")
	p.reloadAudit(ctx)
}
