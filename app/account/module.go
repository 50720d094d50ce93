// Package account is the browser half of the account module: on the
// profile, a form to change the email address, the recent security
// activity, and the danger zone (download my data, delete my account);
// and the pages the module's links lead to (/confirm-email, where the
// mailed link confirms a new address, and /goodbye after a deletion). Its
// server half is server/account; pages.go lists it with one line.
package account

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Module is the account module as the app plugs it in.
func Module() app.Module {
	return app.Module{
		Pages: map[string]func(*app.Client) goapp.Composer{
			"/confirm-email": func(api *app.Client) goapp.Composer { return &confirmPage{api: api} },
			"/goodbye":       func(*app.Client) goapp.Composer { return &goodbyePage{} },
		},
		ProfileSections: func(api *app.Client) []app.ProfileSection {
			return []app.ProfileSection{
				{ID: "email", After: "account", Card: newEmailCard(api)},
				{ID: "activity", Label: "Activity", Card: newActivityCard(api)},
				{ID: "danger-zone", Label: "Danger zone", Card: newDangerCard(api)},
			}
		},
	}
}

// client is the account API as the cards call it, through the app's
// Client (cookies, CSRF, refreshing). Each call returns nil, an
// *shared.Error, or an error wrapping app.ErrUnreachable.
type client struct{ api *app.Client }

// changeEmail mails a link to the new address (202); nothing changes until
// it is opened. wrong_password, reauth_required (no password and a session
// that is not recent), email_taken and rate_limited are its refusals.
func (c client) changeEmail(ctx context.Context, req shared.ChangeEmailRequest) (string, error) {
	var resp shared.Accepted
	err := c.api.Call(ctx, http.MethodPost, "/api/me/email", req, &resp)
	return resp.Message, err
}

// confirmEmailChange moves the account to the new address with the
// mailed token; the signed-in user changes with it.
func (c client) confirmEmailChange(ctx context.Context, req shared.ConfirmEmailChangeRequest) (shared.User, error) {
	var resp shared.UserResponse
	err := c.api.Call(ctx, http.MethodPost, "/api/auth/confirm-email-change", req, &resp)
	if err == nil {
		c.api.UserChanged()
	}
	return resp.User, err
}

// activity is one page of the account's security events, newest first:
// those before the event with id before ("" for the newest).
func (c client) activity(ctx context.Context, before string) ([]shared.SecurityEvent, error) {
	q := url.Values{"limit": {strconv.Itoa(app.EventPageSize)}}
	if before != "" {
		q.Set("before", before)
	}
	var resp shared.ActivityResponse
	err := c.api.Call(ctx, http.MethodGet, "/api/me/activity?"+q.Encode(), nil, &resp)
	return resp.Events, err
}

// export is everything the server keeps about the account, as the JSON
// file it serves.
func (c client) export(ctx context.Context) ([]byte, error) {
	var raw json.RawMessage
	err := c.api.Call(ctx, http.MethodGet, "/api/me/export", nil, &raw)
	return raw, err
}

// deleteAccount deletes the account (204); the server clears the cookies.
// Without a password in req, a session that is not recent gets
// reauth_required.
func (c client) deleteAccount(ctx context.Context, req shared.DeleteAccountRequest) error {
	err := c.api.Call(ctx, http.MethodDelete, "/api/me", req, nil)
	if err == nil {
		c.api.UserChanged()
	}
	return err
}
