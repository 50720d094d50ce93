package httpapi

import (
	"net/http"

	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/shared"
)

// Security schemes of the OpenAPI document, by name.
const (
	bearerAuth    = "bearerAuth"
	cookieAuth    = "cookieAuth"
	csrfToken     = "csrfToken"
	refreshCookie = "refreshCookie"
)

// routes lists the kit's own HTTP surface in one place; modules add theirs
// (module.go). Each route says who may call it, what it reads and what it
// answers: the router enforces the first, and the OpenAPI document is
// generated from all three (openapi_doc.go; make openapi writes
// docs/openapi.json).
func (a *API) routes() []Route {
	return []Route{
		// Browser flow: cookies.
		{Pattern: "POST /api/auth/register", Tag: "browser", Name: "register",
			Summary:     "Create an account and log it in",
			Description: "Creates an account, starts a session (one per device) and sets the session cookies. Mails a link to confirm the email address. Registrations are throttled per client (`--register-throttle`).",
			Request:     shared.RegisterRequest{}, Response: shared.UserResponse{}, Status: http.StatusCreated,
			Errors:  []shared.Code{shared.CodeEmailTaken, shared.CodeRateLimited},
			Returns: "The new account, logged in.",
			cookies: setsCookies,
			Handler: a.register},
		{Pattern: "POST /api/auth/login", Tag: "browser", Name: "login",
			Summary:     "Log in with an email and a password",
			Description: "Starts a session, sets the session cookies and updates `last_login`. Failed logins are throttled per account and client (`--login-throttle`) and per client across accounts (`--login-client-throttle`); each attempt holds a token before the password is checked, so a burst cannot outrun the limits. A user's live sessions are capped (`--max-sessions`): the least recently used beyond the cap is signed out. For an account with a second factor a right password answers 401 `mfa_required` with `mfa_token` and `methods` beside the error, sets no cookie, and `POST /api/auth/login/mfa` finishes the login.",
			Request:     shared.LoginRequest{}, Response: shared.UserResponse{},
			Errors:  []shared.Code{shared.CodeInvalidCredentials, shared.CodeMFARequired, shared.CodeRateLimited},
			Returns: "The account, logged in.",
			cookies: setsCookies,
			Handler: a.login},
		{Pattern: "POST /api/auth/login/mfa", Tag: "browser", Name: "loginMFA",
			Summary:     "Finish a login with a second factor",
			Description: "Spends the `mfa_token` of a login's `mfa_required` answer with a code from the authenticator app, a recovery code, or a passkey's assertion, then starts the session and sets the cookies. The token works once, for 5 minutes and 5 codes (then `not_authenticated`: log in again); wrong codes are throttled per account like passwords, and a code or recovery code is accepted once.",
			Request:     shared.MFALoginRequest{}, Response: shared.UserResponse{},
			Errors:     []shared.Code{shared.CodeInvalidCode, shared.CodeNotAuthenticated, shared.CodeRateLimited},
			codeStatus: map[shared.Code]int{shared.CodeInvalidCode: http.StatusUnauthorized},
			Returns:    "The account, logged in.",
			cookies:    setsCookies,
			Handler:    a.loginMFA},
		{Pattern: "POST /api/auth/reauth", Tag: "browser", Name: "reauthenticate", Guard: RequireUser,
			Summary:     "Prove who you are again",
			Description: "Makes the session recent again for `--reauth-window` (10 minutes by default), as sensitive actions require (they answer `reauth_required` otherwise): send one of `password`, `code` (an authenticator app's or a recovery code) or `credential` (a passkey's assertion). Checks are throttled per account.",
			Request:     shared.ReauthRequest{},
			Errors:      []shared.Code{shared.CodeWrongPassword, shared.CodeInvalidCode, shared.CodeRateLimited},
			Returns:     "The session is recent again.",
			Handler:     a.reauth},
		{Pattern: "POST /api/auth/refresh", Tag: "browser", Name: "refreshSession",
			Summary:     "Rotate the session cookies",
			Description: "Spends the refresh cookie and sets new cookies. A refresh token that was already spent revokes its whole session, unless it comes back within 10 seconds of its rotation (two tabs racing): then the answer is 401 without touching the session or the cookies, and a retry carries the winner's new cookies. Needs the session's `X-CSRF-Token` (403 `csrf_failed` without it, leaving the session and cookies as they were).",
			Response:    shared.UserResponse{},
			Errors:      []shared.Code{shared.CodeNotAuthenticated, shared.CodeCSRFFailed},
			security:    []securityRequirement{{refreshCookie, csrfToken}},
			Returns:     "The account; all three cookies rotated.",
			cookies:     setsCookies,
			Handler:     a.refresh},
		{Pattern: "POST /api/auth/logout", Tag: "browser", Name: "logout",
			Summary:     "End this session",
			Description: "Revokes the session of the access token (or, once that has expired, of the refresh cookie) and clears the cookies. Idempotent: without a live session it only clears the cookies. An expired Bearer token is 401 `token_expired`: refresh, then log out. A refresh cookie that was already spent (outside two tabs' race) revokes its session as a reuse, as at a refresh. Cookie-authenticated calls need `X-CSRF-Token`.",
			Errors:      []shared.Code{shared.CodeTokenExpired, shared.CodeCSRFFailed},
			security:    []securityRequirement{{}, {bearerAuth}, {cookieAuth, csrfToken}, {refreshCookie, csrfToken}},
			Returns:     "Logged out; cookies cleared.",
			cookies:     clearsCookies,
			Handler:     a.logout},
		{Pattern: "POST /api/auth/logout-all", Tag: "browser", Name: "logoutAll",
			Summary:     "End every session of the user",
			Description: "Revokes every session of the caller's account, this one included, and clears the cookies. Once the access token has expired, the refresh cookie identifies the caller, but only while it could still be refreshed: a spent one, an expired one or one of an ended session is `not_authenticated` (a spent one revokes its own session as a reuse, as at a refresh, and no other).",
			Errors:      []shared.Code{shared.CodeNotAuthenticated, shared.CodeCSRFFailed},
			security:    []securityRequirement{{bearerAuth}, {cookieAuth, csrfToken}, {refreshCookie, csrfToken}},
			Returns:     "Every session revoked; cookies cleared.",
			cookies:     clearsCookies,
			Handler:     a.logoutAll},

		// Account recovery and email confirmation, by mailed single-use links.
		{Pattern: "POST /api/auth/password-reset", Tag: "recovery", Name: "requestPasswordReset",
			Summary:     "Mail a password reset link",
			Description: "Answers 202 with one body before looking the account up, so neither the answer nor its timing reveals whether an account exists; if it does, a link to `/reset-password?token=…` (valid 30 minutes) is mailed. Throttled per email (5 an hour) and per client (20 an hour).",
			Request:     shared.PasswordResetRequest{}, Response: shared.Accepted{}, Status: http.StatusAccepted,
			Errors:  []shared.Code{shared.CodeRateLimited},
			Returns: "Accepted, whatever the email.",
			Handler: a.requestPasswordReset},
		{Pattern: "POST /api/auth/password-reset/confirm", Tag: "recovery", Name: "confirmPasswordReset",
			Summary: "Set a new password with a mailed token",
			Description: "The token works once. Every session of the account is revoked, and other outstanding reset links are voided. The mailed link proves the mailbox, so the address counts as confirmed from now on; " +
				"on an account whose address was never confirmed, or that a sign-in provider created without vouching for the address (unless the address was since confirmed from a session of the account, or vouched for by the provider), every passkey, connected provider account and second factor is removed too (whoever added them had not shown they own the mailbox).",
			Request: shared.PasswordResetConfirmRequest{},
			Errors:  []shared.Code{shared.CodeInvalidToken},
			Returns: "The password is changed; every session has ended.",
			Handler: a.confirmPasswordReset},
		{Pattern: "POST /api/auth/verify-email", Tag: "recovery", Name: "verifyEmail",
			Summary:     "Confirm an email address with a mailed token",
			Description: "The token (from the link mailed at registration, valid 24 hours) works once. No session is needed; sent with the credentials of a session of the same account (its access token, or once that has expired the refresh cookie; cookies with the CSRF header), the confirmation also shows that whoever holds the account holds the mailbox, which an account a sign-in provider made without vouching for the address needs (see the password reset).",
			Request:     shared.VerifyEmailRequest{}, Response: shared.UserResponse{},
			Errors:  []shared.Code{shared.CodeInvalidToken},
			Returns: "The account, with `email_verified: true`.",
			Handler: a.verifyEmail},
		{Pattern: "POST /api/me/verify-email/resend", Tag: "recovery", Name: "resendVerification", Guard: RequireUser,
			Summary:     "Mail a new confirmation link",
			Description: "Does nothing (and answers the same) when the email is already confirmed. Throttled per user (10 a day). Reachable with `--require-verified-email` by users who have not confirmed yet.",
			Response:    shared.Accepted{}, Status: http.StatusAccepted,
			Errors:  []shared.Code{shared.CodeRateLimited},
			Returns: "Accepted.",
			Handler: a.resendVerification},

		// Token flow for API clients (DRF SimpleJWT shapes).
		{Pattern: "POST /api/token", Tag: "token", Name: "obtainToken",
			Summary:     "Obtain an access and a refresh token",
			Description: "The token flow for API clients (the shapes of DRF SimpleJWT): the same checks and throttle as `POST /api/auth/login`, tokens in the body, no cookies. Send the access token as `Authorization: Bearer …`.",
			Request:     shared.LoginRequest{}, Response: shared.TokenPair{},
			Errors:  []shared.Code{shared.CodeInvalidCredentials, shared.CodeMFARequired, shared.CodeRateLimited},
			Returns: "A new session's tokens.",
			Handler: a.obtainToken},
		{Pattern: "POST /api/token/mfa", Tag: "token", Name: "obtainTokenMFA",
			Summary:     "Obtain tokens with a second factor",
			Description: "The token flow's `POST /api/auth/login/mfa`: spends the `mfa_token` of `POST /api/token`'s `mfa_required` answer with a code and returns the tokens, with the same limits.",
			Request:     shared.MFALoginRequest{}, Response: shared.TokenPair{},
			Errors:     []shared.Code{shared.CodeInvalidCode, shared.CodeNotAuthenticated, shared.CodeRateLimited},
			codeStatus: map[shared.Code]int{shared.CodeInvalidCode: http.StatusUnauthorized},
			Returns:    "A new session's tokens.",
			Handler:    a.obtainTokenMFA},
		{Pattern: "POST /api/token/refresh", Tag: "token", Name: "refreshToken",
			Summary:     "Rotate a refresh token",
			Description: "Spends the refresh token and returns a new pair for the same session. Presenting a spent token again revokes the whole session (RFC 9700 §4.14.2); there is no grace window in this flow.",
			Request:     shared.RefreshRequest{}, Response: shared.TokenPair{},
			Errors:  []shared.Code{shared.CodeNotAuthenticated},
			Returns: "The session's new tokens.",
			Handler: a.refreshToken},
		{Pattern: "POST /api/token/verify", Tag: "token", Name: "verifyToken",
			Summary:     "Check an access token",
			Description: "Answers 200 for a valid access token of a live session, which services that verify tokens themselves from the JWKS cannot see.",
			Request:     shared.VerifyRequest{}, Response: struct{}{},
			Errors:  []shared.Code{shared.CodeNotAuthenticated, shared.CodeTokenExpired},
			Returns: "The token is valid and its session live.",
			Handler: a.verifyToken},

		// The logged-in user. The profile stays reachable before the email
		// is confirmed (RequireUser); the rest needs a confirmed one when
		// the server asks for it.
		{Pattern: "GET /api/me", Tag: "me", Name: "getMe", Guard: RequireUser,
			Summary:  "The logged-in user",
			Response: shared.UserResponse{},
			Returns:  "The caller's account.",
			Handler:  a.me},
		{Pattern: "PATCH /api/me", Tag: "me", Name: "updateMe", Guard: RequireUser,
			Summary:     "Change the display name",
			Description: "At most 10 times an hour per account (`rate_limited`): each change is a security event, and an account keeps only its newest 1,000.",
			Request:     shared.UpdateProfileRequest{}, Response: shared.UserResponse{},
			Errors:  []shared.Code{shared.CodeRateLimited},
			Returns: "The updated account.",
			Handler: a.updateMe},
		{Pattern: "POST /api/me/password", Tag: "me", Name: "changePassword", Guard: RequireRecent,
			Summary:     "Change the password",
			Description: "Needs a recent session (`reauth_required` otherwise). Every other session of the account is revoked; this one stays. Outstanding reset links are voided. Wrong current passwords are throttled per account (`--login-throttle`), whichever session sends them.",
			Request:     shared.ChangePasswordRequest{},
			Errors:      []shared.Code{shared.CodeWrongPassword, shared.CodeRateLimited},
			Returns:     "The password is changed.",
			Handler:     a.changePassword},
		{Pattern: "GET /api/me/sessions", Tag: "me", Name: "listSessions", Guard: RequireVerified,
			Summary:     "The user's live sessions",
			Description: "One per logged-in device, most recently used first; `current` marks the caller's, and `auth_method` says how each signed in.",
			Response:    shared.SessionsResponse{},
			Returns:     "The live sessions.",
			Handler:     a.sessions},
		{Pattern: "DELETE /api/me/sessions/{id}", Tag: "me", Name: "revokeSession", Guard: RequireVerified,
			Summary:     "Sign out one of the user's sessions",
			Description: "Takes effect at once. Another user's session id answers 404.",
			Params:      []Param{{Name: "id", In: "path", Description: "The session's id."}},
			Errors:      []shared.Code{shared.CodeNotFound},
			Returns:     "The session is revoked.",
			Handler:     a.revokeSession},

		// Staff.
		{Pattern: "GET /api/admin/users", Tag: "admin", Name: "listUsers", Guard: RequireStaff,
			Summary:     "Search the accounts (staff)",
			Description: "Newest accounts first.",
			Params: []Param{
				{Name: "q", In: "query", Description: "Case-insensitive substring of the email or the name, at most 254 characters (the longest address); empty matches all."},
				{Name: "limit", In: "query", Type: "integer", Description: "Page size; 0 means the default, 20, and values over 100 are taken as 100."},
				{Name: "offset", In: "query", Type: "integer", Description: "How many matching accounts to skip."},
			},
			Response: shared.UsersResponse{},
			Errors:   []shared.Code{shared.CodeValidationFailed},
			Returns:  "One page of matching accounts, and how many match in all.",
			Handler:  a.listUsers},
		{Pattern: "PATCH /api/admin/users/{id}", Tag: "admin", Name: "updateUser", Guard: RequireStaff,
			Summary:     "Change an account (staff)",
			Description: "Staff may rename and (de)activate users; only superusers may change `is_staff` or touch a superuser's account. Nobody may deactivate or demote themselves (`validation_failed` on `is_active`), nor deactivate the last active superuser (`last_superuser`: two superusers deactivating each other at once). Deactivating revokes every session of the account at once.",
			Params:      []Param{{Name: "id", In: "path", Description: "The user's id."}},
			Request:     shared.AdminUpdateUserRequest{}, Response: shared.UserResponse{},
			Errors:  []shared.Code{shared.CodeNotFound, shared.CodeLastSuperuser},
			Returns: "The updated account.",
			Handler: a.updateUser},
		{Pattern: "POST /api/admin/users/{id}/reset-factors", Tag: "admin", Name: "resetFactors", Guard: RequireStaff,
			Summary:     "Reset a user's second factors (superusers)",
			Description: "Removes the user's authenticator app, recovery codes and passkeys, ends every session of the account, and mails the user. For someone who lost their second factor; they sign in with their password alone afterwards.",
			Params:      []Param{{Name: "id", In: "path", Description: "The user's id."}},
			Response:    shared.UserResponse{},
			Errors:      []shared.Code{shared.CodeNotFound},
			Returns:     "The account, with no factors left.",
			Handler:     a.resetFactors},

		{Pattern: "DELETE /api/admin/users/{id}", Tag: "admin", Name: "deleteUser", Guard: RequireStaff,
			Summary:     "Delete an account (staff)",
			Description: "Deletes the account, its sessions, tokens and security events, and every module's data about it, in one transaction, records the deletion with the staff member as its actor (and nothing of the account) and mails the owner a goodbye. Staff may delete accounts that are not staff; superusers any account but the last active superuser (`last_superuser`). Their own account they delete from their profile (`validation_failed`).",
			Params:      []Param{{Name: "id", In: "path", Description: "The user's id."}},
			Errors:      []shared.Code{shared.CodeNotFound, shared.CodeValidationFailed, shared.CodeLastSuperuser},
			Returns:     "The account is gone.",
			Handler:     a.deleteUser},
		{Pattern: "GET /api/admin/events", Tag: "admin", Name: "listEvents", Guard: RequireStaff,
			Summary:     "Security events of every account (staff)",
			Description: "Sign-ins, failed sign-ins, changes and what staff did, newest first, with the emails of each event's account and acting staff member. Filter by account, by type, or to what staff did (`staff_actions=true`: the audit of admin actions). Kept for `--event-retention`.",
			Params: append([]Param{
				{Name: "user_id", In: "query", Description: "Only this account's events."},
				{Name: "type", In: "query", Description: "Only events of this type (see SecurityEvent.type)."},
				{Name: "staff_actions", In: "query", Description: "`true`: only events a staff member caused."},
			}, EventPageParams...),
			Response: shared.AuditResponse{},
			Errors:   []shared.Code{shared.CodeValidationFailed},
			Returns:  "One page of events.",
			Handler:  a.listEvents},

		// About the service.
		{Pattern: "GET /api/openapi.json", Tag: "meta", Name: "openAPI",
			Summary:     "This document",
			Description: "Served with `Cache-Control: no-cache` and an `ETag`.",
			Response:    map[string]any{},
			Returns:     "The OpenAPI 3.1 description of the API.",
			Handler:     a.openAPI},
		{Pattern: "GET /healthz", Tag: "meta", Name: "health",
			Summary:     "Health check",
			Description: "Checks the database (for load balancers). Outside `/api/`.",
			Response:    shared.Health{},
			outsideAPI:  true,
			Returns:     "The server and its database answer.",
			Handler:     a.healthz},
		{Pattern: "GET /.well-known/jwks.json", Tag: "meta", Name: "jwks",
			Summary:     "The public signing keys",
			Description: "A JSON Web Key Set (RFC 7517) of the Ed25519 keys that verify access tokens, for services that check tokens themselves; keys being retired stay listed until their tokens have expired. Cacheable for 5 minutes.",
			Response:    signing.JWKS{},
			outsideAPI:  true,
			Returns:     "The signing keys in use.",
			Handler:     a.jwks},
	}
}

// errNoSuchEndpoint is the answer to a path under /api/ that no route
// serves, or that the mux would redirect (Router.refuseRedirects).
var errNoSuchEndpoint = shared.NewError(shared.CodeNotFound, "There is no such API endpoint.")

// serveRoutes serves the kit's routes and the modules', then the JSON 404
// of unknown /api/ paths (and 405 of a known path asked with a method no
// pattern names) and the pages.
func (a *API) serveRoutes(r *Router, modules []Module, pages http.Handler) error {
	r.Add(a.routes()...)
	if err := a.mount(r, modules, a.store); err != nil {
		return err
	}
	r.finish()
	r.catchAlls = append(r.catchAlls, "/api/")
	r.mux.Handle("/api/", noStore(a.serve(func(w http.ResponseWriter, req *http.Request) error {
		if allow, ok := r.allowOf(req); ok {
			return methodNotAllowed(w, req, allow)
		}
		return errNoSuchEndpoint
	})))
	if pages != nil {
		r.catchAlls = append(r.catchAlls, "/")
		r.mux.Handle("/", pages)
	}
	return nil
}
