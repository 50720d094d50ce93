// Package passkeys is the passkeys module: WebAuthn credentials that sign
// people in without a password (discoverable, with user verification),
// and serve as a second factor after a password and for
// re-authentication. It brings its tables, its routes under
// /api/me/passkeys and /api/auth/passkey, and a second factor and a way
// in it registers into the auth core ("passkey": the last way in of an
// account cannot be deleted). main.go mounts it with one
// line; deleting the line and the package (with shared/passkeys and
// app/passkeys) removes the feature.
//
// The security model: the relying party is --public-url (its host the RP
// ID, its origin the only accepted origin); ceremonies live in the
// database, expire in 5 minutes and are spent by one conditional UPDATE,
// so an assertion cannot be replayed and any instance can finish what
// another began; a sign-in belongs to the browser that began it
// (browser.go); the sign count and the backup flags are stored, and a
// sign count that does not increase (a cloned authenticator) is refused
// and logged. Only public keys are stored.
package passkeys

import (
	"net/http"
	"time"

	"github.com/uptrace/bun/migrate"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
)

// migrations holds the module's schema history, one file per change.
var migrations = migrate.NewMigrations()

// Module is the passkeys module, for main.go's list.
type Module struct{}

// Name implements httpapi.Module.
func (Module) Name() string { return "passkeys" }

// Description describes the module's tag in the OpenAPI document.
func (Module) Description() string {
	return "Passkeys (WebAuthn): sign in without a password, or as a second factor."
}

// Migrations implements httpapi.Module.
func (Module) Migrations() *migrate.Migrations { return migrations }

// beginsPerMinute bounds the sign-ins one client may start: each is a
// ceremony row written for 5 minutes, and the login page starts one per
// visit, so far more than a person needs, few enough that nobody fills
// the table or the database's write lane.
const beginsPerMinute = 60

// registrationsPerMinute bounds the passkey registrations one account may
// start: each is a ceremony row for 5 minutes too, and a signed-in
// account is as easy to come by as a client, so without a bound one
// account could fill the table. Ten a minute is more than a person
// adding (or retrying to add) a passkey needs.
const registrationsPerMinute = 10

// Mount implements httpapi.Module.
func (Module) Mount(k *httpapi.Kit) ([]httpapi.Route, error) {
	svc := NewService(k)
	k.RegisterSecondFactor(factor{svc})
	k.RegisterWayIn(auth.MethodPasskey, countPasskeys)
	h := handlers{svc: svc, api: k.API}
	if k.Auth != nil { // nil when only the OpenAPI document is made
		h.begins = k.Auth.NewThrottle("passkey-begin", beginsPerMinute, time.Minute)
		h.registrations = k.Auth.NewThrottle("passkey-register", registrationsPerMinute, time.Minute)
	}
	idParam := []httpapi.Param{{Name: "id", In: "path", Description: "The passkey's id."}}
	off := "Answers `forbidden` when passkeys are off (a --public-url naming an IP address, or plain http on a host other than localhost)."
	return []httpapi.Route{
		{Pattern: "POST /api/me/passkeys/begin", Guard: httpapi.RequireRecent, AddsCredential: true, Name: "beginPasskeyRegistration",
			Summary:     "Start adding a passkey",
			Description: "Creation options for `navigator.credentials.create` (after `PublicKeyCredential.parseCreationOptionsFromJSON`): a discoverable credential with user verification, excluding the user's passkeys. Each is a row for 5 minutes, so an account may start 10 a minute (`rate_limited` past that). An account keeps at most 50 passkeys (`limit_reached`). " + off,
			Response:    sharedpasskeys.Options{}, Returns: "The creation options; the challenge works once, for 5 minutes.",
			Errors: []shared.Code{shared.CodeForbidden, shared.CodeRateLimited, shared.CodeLimitReached}, Handler: h.beginRegistration},
		{Pattern: "POST /api/me/passkeys/finish", Guard: httpapi.RequireVerified, AddsCredential: true, Name: "finishPasskeyRegistration",
			Summary:     "Add the passkey",
			Description: "Verifies the new credential against the caller's ceremony and stores its public key, sign count and backup flags; mails the user. The account's 51st passkey answers `limit_reached`.",
			Request:     sharedpasskeys.FinishRegistrationRequest{}, Response: sharedpasskeys.PasskeyResponse{}, Status: http.StatusCreated,
			Errors: []shared.Code{shared.CodeForbidden, shared.CodeLimitReached}, Returns: "The new passkey.", Handler: h.finishRegistration},
		{Pattern: "GET /api/me/passkeys", Guard: httpapi.RequireVerified, Name: "listPasskeys",
			Summary: "The caller's passkeys", Description: "Newest first.",
			Response: sharedpasskeys.PasskeysResponse{}, Returns: "The passkeys.", Handler: h.list},
		{Pattern: "PATCH /api/me/passkeys/{id}", Guard: httpapi.RequireVerified, Name: "renamePasskey",
			Summary: "Rename a passkey", Description: "Another user's passkey answers 404.", Params: idParam,
			Request: sharedpasskeys.RenameRequest{}, Response: sharedpasskeys.PasskeyResponse{}, Returns: "The renamed passkey.",
			Errors: []shared.Code{shared.CodeNotFound}, Handler: h.rename},
		{Pattern: "DELETE /api/me/passkeys/{id}", Guard: httpapi.RequireRecent, Name: "deletePasskey",
			Summary:     "Delete a passkey",
			Description: "Another user's passkey answers 404. The account's last way to sign in (no password, no connected provider account, no other passkey) answers `last_login_method`.",
			Params:      idParam, Returns: "The passkey is deleted.",
			Errors: []shared.Code{shared.CodeNotFound, shared.CodeLastLoginMethod}, Handler: h.delete},
		{Pattern: "POST /api/auth/passkey/begin", Tag: "browser", Name: "beginPasskeyLogin",
			Summary:     "Start signing in with a passkey",
			Description: "Request options for `navigator.credentials.get` (after `PublicKeyCredential.parseRequestOptionsFromJSON`), with no list of credentials: the browser offers the person's passkeys for this site. Also the options for a passkey as a second factor (`credential` of `POST /api/auth/login/mfa`) and for re-authentication. Each is a row for 5 minutes, so a client may start 60 a minute (`rate_limited` past that). Sets the HttpOnly `__Host-passkey_browser` cookie (`passkey_browser` under `--insecure-cookies`): a sign-in finishes only in the browser that began it. " + off,
			Response:    sharedpasskeys.Options{}, Returns: "The request options; the challenge works once, for 5 minutes.",
			Errors: []shared.Code{shared.CodeForbidden, shared.CodeRateLimited}, Handler: h.beginLogin},
		{Pattern: "POST /api/auth/passkey/finish", Tag: "browser", Name: "finishPasskeyLogin",
			Summary:     "Sign in with a passkey",
			Description: "Checks the assertion (signature, user verification, origin, the ceremony spent once, the sign count) and starts a session with the cookies. A passkey is a whole login: no second step. Only the browser that began the ceremony (its `passkey_browser` cookie) may finish it. Any refusal is `invalid_credentials`; a sign count going backwards (a cloned authenticator) is refused and logged.",
			Request:     sharedpasskeys.FinishLoginRequest{}, Response: shared.UserResponse{},
			Errors: []shared.Code{shared.CodeInvalidCredentials, shared.CodeForbidden}, Returns: "The account, logged in.",
			Handler: h.finishLogin},
	}, nil
}
