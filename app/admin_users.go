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
		app.Td().Class("user-factors").Body(factorBadges(u)...),
		app.Td().Body(TimeTag(u.DateJoined, formatShortDate)),
		app.Td().Body(lastLogin),
		app.Td().Body(app.Div().Class("row-actions").Body(p.userActions(u)...)),
	)
}

// factorBadges says how a user can sign in beside the password: with
// two-factor authentication (an app's codes), with passkeys.
func factorBadges(u shared.User) []app.UI {
	var badges []app.UI
	if u.TOTPEnabled {
		badges = append(badges, app.Span().Class("badge yes").Title("Logins ask for a code from an authenticator app").Text("2FA"))
	}
	if u.HasPasskeys {
		badges = append(badges, app.Span().Class("badge").Text("Passkeys"))
	}
	if len(badges) == 0 {
		badges = append(badges, app.Span().Class("badge no").Text("Password"))
	}
	return badges
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
	// Each handler looks the row up when clicked (onRow): go-app keeps a
	// scoped handler's first closure, which would hold u as first drawn.
	id := u.ID
	activeLabel, activeClass := "Activate", "button small"
	if u.IsActive {
		activeLabel, activeClass = "Deactivate", "button small danger"
	}
	actions := []app.UI{
		ActionButton("button", activeClass, activeLabel, "Saving…", busy,
			p.onRow(id, p.onToggleActive), app.EventScope(u.ID, "active")).
			ID("toggle-active-"+u.ID).
			Aria("label", fmt.Sprintf("%s %s", activeLabel, u.Email)),
	}
	if p.User.IsSuperuser {
		staffLabel := "Make staff"
		if u.IsStaff {
			staffLabel = "Remove staff"
		}
		actions = append(actions, ActionButton("button", "button small", staffLabel, "Saving…", busy,
			p.onRow(id, p.onToggleStaff), app.EventScope(u.ID, "staff")).
			ID("toggle-staff-"+u.ID).
			Aria("label", fmt.Sprintf("%s: %s", staffLabel, u.Email)))
		if u.TOTPEnabled || u.HasPasskeys {
			actions = append(actions, ActionButton("button", "button small danger", "Reset 2FA", "Resetting…", busy,
				p.onRow(id, func(ctx app.Context, u shared.User) {
					if p.change.Busy {
						return
					}
					p.resetting, p.change.Notice = &u, Notice{}
					p.Focus("cancel-reset")
				}),
				app.EventScope(u.ID, "reset")).
				ID("reset-factors-"+u.ID).
				Aria("label", "Reset the second factors and passkeys of "+u.Email))
		}
	}
	actions = append(actions, app.Button().Type("button").ID("activity-"+u.ID).Class("button small").
		Aria("label", "Activity of "+u.Email).Text("Activity").
		OnClick(p.onRow(id, p.onShowActivity), app.EventScope(u.ID, "activity")))
	if p.mayDelete(u) {
		actions = append(actions, app.Button().Type("button").ID("delete-"+u.ID).Class("button small danger").
			Aria("label", "Delete "+u.Email).Text("Delete").
			OnClick(p.onRow(id, func(_ app.Context, u shared.User) { p.onAskDelete(u) }), app.EventScope(u.ID, "delete")))
	}
	return actions
}

// onRow is a click handler that calls f with the user whose id is given,
// as the table shows them at the click (after an update, not as first
// drawn); nothing when they have left the table.
func (p *adminPage) onRow(id string, f func(app.Context, shared.User)) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		for _, u := range p.users {
			if u.ID == id {
				f(ctx, u)
				return
			}
		}
	}
}

// renderConfirmReset asks a superuser before removing a user's second
// factors and passkeys, which also signs them out everywhere.
func (p *adminPage) renderConfirmReset() app.UI {
	if p.resetting == nil {
		return nil
	}
	return p.resetDialog().Render()
}

// resetDialog is the confirmation of a reset. Its handlers read the user
// from p.resetting at the click: go-app keeps the handlers of the dialog
// first drawn, and Reset 2FA on another row retitles the open dialog
// rather than drawing a new one, so a user captured here would be the
// first one asked about. While another change is being saved (one
// started on another row while this one waited), it waits too: Reset
// shows so, and the confirmation stays until it can be sent.
func (p *adminPage) resetDialog() ConfirmDialog {
	return ConfirmDialog{
		ID: "reset", Title: fmt.Sprintf("Reset the second factors of %s?", p.resetting.Email),
		Text:      "Their authenticator app, recovery codes and passkeys stop working, and they are signed out everywhere. They will sign in with their password alone. They get an email about it.",
		Card:      true,
		ConfirmID: "confirm-reset", ConfirmLabel: "Reset", BusyLabel: waitingForAnotherChange, CancelID: "cancel-reset",
		Busy: p.change.Busy,
		OnConfirm: func(ctx app.Context, e app.Event) {
			if u := p.resetting; u != nil && !p.change.Busy {
				p.resetting = nil
				p.resetFactors(ctx, *u)
			}
		},
		OnCancel: func(ctx app.Context, e app.Event) {
			if u := p.resetting; u != nil && !p.change.Busy {
				p.resetting = nil
				p.Focus("reset-factors-" + u.ID)
			}
		},
	}
}

// waitingForAnotherChange is what a confirmation's button says while a
// change made on another row is being saved: the page sends one change
// at a time, and this one goes once that one is done.
const waitingForAnotherChange = "Saving another change…"

func (p *adminPage) resetFactors(ctx app.Context, u shared.User) {
	if p.change.Busy {
		return
	}
	p.updating = u.ID
	p.Submit(ctx, app.Event{}, Submission[shared.User]{
		Form: &p.change,
		Send: func(ctx context.Context) (shared.User, error) { return p.API.ResetFactors(ctx, u.ID) },
		Done: func(_ app.Context, updated shared.User) {
			for i := range p.users {
				if p.users[i].ID == updated.ID {
					p.users[i] = updated
				}
			}
			p.change.Notice = SuccessNotice(u.Email + "'s second factors and passkeys were removed; they were signed out everywhere.")
			p.Focus("toggle-active-" + u.ID)
		},
		Failed: func(ctx app.Context, err error) bool {
			if p.SessionEnded(ctx, err) {
				return true
			}
			// The confirmation, which had focus, is gone; the notice says
			// why, and focus goes back to the row's Reset 2FA.
			p.Focus("reset-factors-" + u.ID)
			return false
		},
	})
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
	p.update(ctx, u, shared.AdminUpdateUserRequest{IsActive: &active}, u.Email+" has been activated and can log in again.", "toggle-active-"+u.ID)
}

func (p *adminPage) onToggleStaff(ctx app.Context, u shared.User) {
	staff := !u.IsStaff
	done := u.Email + " is now staff."
	if !staff {
		done = u.Email + " is no longer staff."
	}
	p.update(ctx, u, shared.AdminUpdateUserRequest{IsStaff: &staff}, done, "toggle-staff-"+u.ID)
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
		BusyLabel:    waitingForAnotherChange,
		CancelID:     "cancel-deactivate",
		Busy:         p.change.Busy,
		OnConfirm:    p.onConfirm,
		OnCancel:     p.onCancelConfirm,
	}.Render()
}

// onConfirm sends the deactivation confirmed; while a change made on
// another row is being saved, the confirmation waits (resetDialog).
func (p *adminPage) onConfirm(ctx app.Context, e app.Event) {
	if p.confirming == nil || p.change.Busy {
		return
	}
	u := *p.confirming
	p.confirming = nil
	active := false
	p.update(ctx, u, shared.AdminUpdateUserRequest{IsActive: &active}, u.Email+" has been deactivated and signed out everywhere.", "toggle-active-"+u.ID)
}

func (p *adminPage) onCancelConfirm(ctx app.Context, e app.Event) {
	if p.change.Busy {
		return
	}
	if p.confirming != nil {
		p.Focus("toggle-active-" + p.confirming.ID)
	}
	p.confirming = nil
}

// update sends an admin change for u and swaps the answer into the table.
// Focus goes to the button with id focus (the one that made the change, or
// Deactivate after its confirmation), whatever the answer.
func (p *adminPage) update(ctx app.Context, u shared.User, req shared.AdminUpdateUserRequest, done, focus string) {
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
			p.Focus(focus)
			p.reloadAudit(ctx) // the change is in the log now
		},
		Failed: func(ctx app.Context, err error) bool {
			p.Focus(focus)
			return p.SessionEnded(ctx, err)
		},
	})
}
