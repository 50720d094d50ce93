package app

import (
	"context"
	"fmt"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The admin table's rows and what their buttons do: activate or deactivate
// a user (after a confirmation), for superusers grant or revoke staff, and
// open the user's activity or delete them (admin_events.go,
// admin_delete.go).

func (p *adminPage) renderUser(u shared.User) app.UI {
	lastLogin := app.UI(app.Text("Never"))
	if u.LastLogin != nil {
		lastLogin = TimeTag(*u.LastLogin, FormatDateTime)
	}
	return app.Tr().DataSet("user", u.ID).Body(
		app.Td().Class("user-email").Text(u.Email),
		app.Td().Class("user-name").Text(u.Name),
		app.Td().Body(yesNo(u.IsActive, "Active", "Inactive")),
		app.Td().Body(yesNo(u.IsStaff, "Staff", "No")),
		app.Td().Body(TimeTag(u.DateJoined, formatShortDate)),
		app.Td().Body(lastLogin),
		app.Td().Body(app.Div().Class("row-actions").Body(p.userActions(u)...)),
	)
}

func yesNo(v bool, yes, no string) app.UI {
	if v {
		return app.Span().Class("badge yes").Text(yes)
	}
	return app.Span().Class("badge no").Text(no)
}

// userActions are a row's buttons. Nobody changes their own account here:
// deactivating oneself or dropping one's own staff flag would lock one out
// halfway through a task.
func (p *adminPage) userActions(u shared.User) []app.UI {
	if u.ID == p.User.ID {
		return []app.UI{app.Span().Class("muted").Text("This is you")}
	}
	busy := p.change.Busy && p.updating == u.ID
	activeLabel, activeClass := "Activate", "button small"
	if u.IsActive {
		activeLabel, activeClass = "Deactivate", "button small danger"
	}
	actions := []app.UI{
		ActionButton("button", activeClass, activeLabel, "Saving…", busy,
			func(ctx app.Context, e app.Event) { p.onToggleActive(ctx, u) }, app.EventScope(u.ID, "active")).
			ID("toggle-active-"+u.ID).
			Aria("label", fmt.Sprintf("%s %s", activeLabel, u.Email)),
	}
	if p.User.IsSuperuser {
		staffLabel := "Make staff"
		if u.IsStaff {
			staffLabel = "Remove staff"
		}
		actions = append(actions, ActionButton("button", "button small", staffLabel, "Saving…", busy,
			func(ctx app.Context, e app.Event) { p.onToggleStaff(ctx, u) }, app.EventScope(u.ID, "staff")).
			ID("toggle-staff-"+u.ID).
			Aria("label", fmt.Sprintf("%s: %s", staffLabel, u.Email)))
	}
	actions = append(actions, app.Button().Type("button").ID("activity-"+u.ID).Class("button small").
		Aria("label", "Activity of "+u.Email).Text("Activity").
		OnClick(func(ctx app.Context, e app.Event) { p.onShowActivity(ctx, u) }, app.EventScope(u.ID, "activity")))
	if p.mayDelete(u) {
		actions = append(actions, app.Button().Type("button").ID("delete-"+u.ID).Class("button small danger").
			Aria("label", "Delete "+u.Email).Text("Delete").
			OnClick(func(ctx app.Context, e app.Event) { p.onAskDelete(u) }, app.EventScope(u.ID, "delete")))
	}
	return actions
}

// onToggleActive activates a user at once, or asks before deactivating.
func (p *adminPage) onToggleActive(ctx app.Context, u shared.User) {
	if p.change.Busy {
		return
	}
	if u.IsActive {
		p.confirming, p.change.Notice = &u, Notice{}
		p.Focus("cancel-deactivate")
		return
	}
	active := true
	p.update(ctx, u, shared.AdminUpdateUserRequest{IsActive: &active}, u.Email+" has been activated and can log in again.")
}

func (p *adminPage) onToggleStaff(ctx app.Context, u shared.User) {
	staff := !u.IsStaff
	done := u.Email + " is now staff."
	if !staff {
		done = u.Email + " is no longer staff."
	}
	p.update(ctx, u, shared.AdminUpdateUserRequest{IsStaff: &staff}, done)
}

func (p *adminPage) renderConfirm() app.UI {
	if p.confirming == nil {
		return nil
	}
	return ConfirmDialog{
		ID:           "confirm",
		Title:        fmt.Sprintf("Deactivate %s?", p.confirming.Email),
		Text:         "They will be signed out on every device and cannot log in until an admin activates the account again.",
		Card:         true,
		ConfirmID:    "confirm-deactivate",
		ConfirmLabel: "Deactivate",
		CancelID:     "cancel-deactivate",
		OnConfirm:    p.onConfirm,
		OnCancel:     p.onCancelConfirm,
	}.Render()
}

func (p *adminPage) onConfirm(ctx app.Context, e app.Event) {
	if p.confirming == nil {
		return
	}
	u := *p.confirming
	p.confirming = nil
	active := false
	p.update(ctx, u, shared.AdminUpdateUserRequest{IsActive: &active}, u.Email+" has been deactivated and signed out everywhere.")
}

func (p *adminPage) onCancelConfirm(ctx app.Context, e app.Event) {
	if p.confirming != nil {
		p.Focus("toggle-active-" + p.confirming.ID)
	}
	p.confirming = nil
}

// update sends an admin change for u and swaps the answer into the table.
// Focus stays on the row's first button, whatever the answer.
func (p *adminPage) update(ctx app.Context, u shared.User, req shared.AdminUpdateUserRequest, done string) {
	if p.change.Busy {
		return
	}
	p.updating = u.ID
	p.Submit(ctx, app.Event{}, Submission[shared.User]{
		Form:     &p.change,
		Validate: req.Validate,
		Send:     func(ctx context.Context) (shared.User, error) { return p.API.UpdateUser(ctx, u.ID, req) },
		Done: func(ctx app.Context, updated shared.User) {
			for i := range p.users {
				if p.users[i].ID == updated.ID {
					p.users[i] = updated
				}
			}
			p.change.Notice = SuccessNotice(done)
			p.Focus("toggle-active-" + u.ID)
			p.load(ctx, &p.audit, true) // the change is in the log now
		},
		Failed: func(ctx app.Context, err error) bool {
			p.Focus("toggle-active-" + u.ID)
			return p.SessionEnded(ctx, err)
		},
	})
}
