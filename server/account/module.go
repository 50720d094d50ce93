// Package account is the account's self-service and the trail of what
// happened to it: changing its email address by a mailed link, deleting
// it, downloading its data and reading its security activity. The rules
// live in the auth core (Accounts.RequestEmailChange,
// Accounts.DeleteAccount, Activity), and the other modules join in
// through their UserDataOwner hooks, which the kit runs
// (API.RemoveUserData, API.ExportUserData): a deleted account takes their
// data with it and an export holds it. Staff's side (the audit, deleting
// accounts) is the kit's own admin. main.go mounts this module with one
// line; app/account is its browser half.
package account

import (
	"net/http"

	"github.com/uptrace/bun/migrate"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/shared"
)

// Module is the account module, for main.go's list of modules.
type Module struct{}

// Name implements httpapi.Module.
func (Module) Name() string { return "account" }

// Description describes the module's tag in the OpenAPI document.
func (Module) Description() string {
	return "The account's self-service: email change, deletion, data export and security activity."
}

// Migrations implements httpapi.Module: the tables are the core's
// (security_events, one_time_tokens).
func (Module) Migrations() *migrate.Migrations { return nil }

// Mount implements httpapi.Module.
func (Module) Mount(k *httpapi.Kit) ([]httpapi.Route, error) {
	h := handlers{kit: k}
	return []httpapi.Route{
		{Pattern: "POST /api/me/email", Guard: httpapi.RequireUser, Name: "requestEmailChange",
			Summary: "Change the email address",
			Description: "Re-authenticates with `current_password`, or, when it is omitted, with a recent session (a login or `POST /api/auth/reauth` within `--reauth-window`; `reauth_required` otherwise), as an account without a password does. Then mails a link to `new_email` (`/confirm-email?token=…`, valid 24 hours, single-use) and a notice to the current address. Nothing changes until the link is used. " +
				"`email_taken` when another account has the address (only this re-authenticated caller learns it). A password is checked under the account's guess throttle (`--login-throttle`), and the requests that pass are throttled per account (10 a day) and per new address, whatever the account (5 a day), so that many accounts cannot flood one mailbox with links. Reachable before the current address is confirmed, to fix a mistyped one.",
			Request: shared.ChangeEmailRequest{}, Response: shared.Accepted{}, Status: http.StatusAccepted,
			Errors:  []shared.Code{shared.CodeWrongPassword, shared.CodeReauthRequired, shared.CodeEmailTaken, shared.CodeRateLimited},
			Returns: "The link is on its way.", Handler: h.requestEmailChange},
		{Pattern: "POST /api/auth/confirm-email-change", Name: "confirmEmailChange",
			Summary:     "Move the account to the new address with a mailed token",
			Description: "The token works once. The account takes the new address, confirmed; every other session ends (the caller's own stays when it is signed in as this account), and links mailed to the old address stop working.",
			Request:     shared.ConfirmEmailChangeRequest{}, Response: shared.UserResponse{},
			Errors:  []shared.Code{shared.CodeInvalidToken, shared.CodeEmailTaken},
			Returns: "The account, with its new address.", Handler: h.confirmEmailChange},
		{Pattern: "DELETE /api/me", Guard: httpapi.RequireUser, Name: "deleteMe",
			Summary: "Delete the account",
			Description: "Re-authenticates with `current_password` (under the account's guess throttle), or, when it is omitted, with a recent session (a login or `POST /api/auth/reauth` within `--reauth-window`; `reauth_required` otherwise), as an account without a password does (the body may then be left out). Then deletes the account, its sessions, tokens and security events, and every module's data about it, in one transaction; records that an account was deleted without saying whose, clears the cookies and mails a goodbye. " +
				"The last active superuser cannot delete their account (`last_superuser`).",
			Request: shared.DeleteAccountRequest{}, OptionalBody: true, ClearsSession: true,
			Errors:  []shared.Code{shared.CodeWrongPassword, shared.CodeReauthRequired, shared.CodeRateLimited, shared.CodeLastSuperuser},
			Returns: "The account is gone; cookies cleared.", Handler: h.deleteMe},
		{Pattern: "GET /api/me/export", Guard: httpapi.RequireUser, Name: "exportMe",
			Summary:     "Download the account's data",
			Description: "Everything the server keeps about the caller: the account, its sessions, its security events (all that are kept: the account's newest 1,000 at most, and its latest 100 runs of failed sign-ins) and each module's data. Served as an attachment (`Content-Disposition`).",
			Response:    shared.AccountExport{}, Returns: "The data, as a JSON file.", Handler: h.export},
		{Pattern: "GET /api/me/activity", Guard: httpapi.RequireUser, Name: "listActivity",
			Summary:     "The account's security activity",
			Description: "Sign-ins, failed sign-ins, sign-outs, password and email changes, what staff did to the account… newest first, kept for `--event-retention` and at most the account's newest 1,000 (failed sign-ins apart: their latest 100 runs). Events staff caused carry no IP address or User-Agent here.",
			Params:      httpapi.EventPageParams, Response: shared.ActivityResponse{},
			Errors:  []shared.Code{shared.CodeValidationFailed},
			Returns: "One page of events.", Handler: h.activity},
	}, nil
}
