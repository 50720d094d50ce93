// Package totp is the authenticator-app module: codes from an app such as
// Google Authenticator or 1Password (TOTP, RFC 6238) as a second factor,
// with single-use recovery codes for a lost phone. It brings its tables,
// its routes under /api/me/totp and /api/me/recovery-codes, and two
// second factors it registers into the auth core's login flow ("totp",
// which makes every password login ask for a code, and
// "recovery_code"). main.go mounts it with one line; deleting the line
// and the package (with shared/totp and app/totp) removes the feature.
//
// The security model: secrets are stored encrypted when
// AUTHKIT_KEY_ENCRYPTION_KEY is set (AES-256-GCM, bound to the user id);
// a code is accepted once, because the last time step used is stored
// and only later ones pass; recovery codes have 80 random bits and are
// stored as SHA-256 hashes, each spent by one conditional UPDATE; code
// checks at login are throttled per account by the core.
package totp

import (
	"net/http"

	"github.com/uptrace/bun/migrate"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/shared"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// migrations holds the module's schema history, one file per change.
var migrations = migrate.NewMigrations()

// Module is the authenticator-app module, for main.go's list.
type Module struct{}

// Name implements httpapi.Module.
func (Module) Name() string { return "totp" }

// Description describes the module's tag in the OpenAPI document.
func (Module) Description() string {
	return "Two-factor authentication with an authenticator app (TOTP, RFC 6238), and recovery codes."
}

// Migrations implements httpapi.Module.
func (Module) Migrations() *migrate.Migrations { return migrations }

// Mount implements httpapi.Module: the routes, and the two second factors
// the login's second step and re-authentication accept.
func (Module) Mount(k *httpapi.Kit) ([]httpapi.Route, error) {
	svc := NewService(k)
	k.RegisterSecondFactor(codeFactor{svc})
	k.RegisterSecondFactor(recoveryFactor{svc})
	h := handlers{svc: svc}
	return []httpapi.Route{
		{Pattern: "GET /api/me/totp", Guard: httpapi.RequireVerified, Name: "getTOTP",
			Summary:  "Whether two-factor authentication is on",
			Response: sharedtotp.StatusResponse{}, Returns: "The state of the authenticator app and the recovery codes.",
			Handler: h.status},
		{Pattern: "POST /api/me/totp/setup", Guard: httpapi.RequireRecent, AddsCredential: true, Name: "setupTOTP",
			Summary:     "Start setting up an authenticator app",
			Description: "Makes a new secret, pending until `POST /api/me/totp/enable` confirms a code from it; an app already on keeps working meanwhile. Show `qr_code` (or `secret`) to the user.",
			Response:    sharedtotp.SetupResponse{}, Returns: "The new secret, as text, URI and QR code.",
			Handler: h.setup},
		{Pattern: "POST /api/me/totp/enable", Guard: httpapi.RequireRecent, AddsCredential: true, Name: "enableTOTP",
			Summary:     "Turn two-factor authentication on",
			Description: "Confirms a code from the pending secret, which becomes the account's; from then on every password login asks for a code. Answers the 10 recovery codes, shown this once (older ones stop working), and mails the user. Wrong codes count against the account's guess throttle (`rate_limited`). A setup that can no longer be finished (none pending, or its secret sealed under a key encryption key changed since) is `invalid_code` asking the user to start setting the app up again.",
			Request:     sharedtotp.EnableRequest{}, Response: sharedtotp.RecoveryCodesResponse{},
			Errors:  []shared.Code{shared.CodeInvalidCode, shared.CodeRateLimited},
			Returns: "Two-factor authentication is on; the new recovery codes.",
			Handler: h.enable},
		{Pattern: "POST /api/me/totp/disable", Guard: httpapi.RequireRecent, Name: "disableTOTP",
			Summary:     "Turn two-factor authentication off",
			Description: "Deletes the secret and the recovery codes, and mails the user.",
			Returns:     "Two-factor authentication is off.",
			Handler:     h.disable},
		{Pattern: "POST /api/me/recovery-codes", Guard: httpapi.RequireRecent, Name: "newRecoveryCodes",
			Summary:     "Replace the recovery codes",
			Description: "10 new codes, shown this once; the old ones stop working. Needs two-factor authentication on (`not_found` otherwise).",
			Response:    sharedtotp.RecoveryCodesResponse{}, Status: http.StatusOK,
			Errors:  []shared.Code{shared.CodeNotFound},
			Returns: "The new recovery codes.",
			Handler: h.newRecoveryCodes},
	}, nil
}
