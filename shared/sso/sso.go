// Package sso is the contract of social and single sign-on: the sign-in
// providers a server offers, the identities (provider accounts) connected
// to a user, and the codes with which a failed sign-in comes back to the
// app. The server's half is server/sso, the browser's app/sso.
package sso

import (
	"time"

	"github.com/authkit/authkit/shared"
)

// The module's security events, in the owner's activity list as "Connected
// a sign-in account at GitHub" (the provider's name is the event's
// shared.DetailProvider). A new account made by a provider is the kit's
// shared.EventAccountCreated, with the provider's id as its method.
var (
	EventIdentityConnected    = shared.DefineEvent("identity_connected", "Connected a sign-in account")
	EventIdentityDisconnected = shared.DefineEvent("identity_disconnected", "Disconnected a sign-in account")
)

// LoginProvider is a way to sign in that the server is configured for.
type LoginProvider struct {
	ID   string `json:"id" doc:"oidc (the company's OpenID Connect provider), google or github: the {id} of the sign-in URLs."`
	Name string `json:"name" doc:"For buttons: Sign in with {name}."`
}

// LoginProvidersResponse answers GET /api/auth/providers.
type LoginProvidersResponse struct {
	Providers []LoginProvider `json:"providers" doc:"Empty when no provider is configured."`
}

// Identity is an account at a provider, connected to the caller's
// account: signing in there signs in here.
type Identity struct {
	ID           string    `json:"id"`
	Provider     string    `json:"provider" doc:"The provider's id (oidc, google, github)."`
	ProviderName string    `json:"provider_name" doc:"The provider's name, as the sign-in buttons show it."`
	Email        string    `json:"email" doc:"The address the provider gave at the last sign-in; may be empty."`
	CreatedAt    time.Time `json:"created_at" doc:"When it was connected."`
}

// IdentitiesResponse answers GET /api/me/identities, oldest first.
type IdentitiesResponse struct {
	Identities []Identity `json:"identities"`
}

// UserData is the module's part of the account's data export (GET
// /api/me/export, under "sso"): the connected accounts, as GET
// /api/me/identities lists them, and the mark of an account a provider
// made without vouching for its address, which keeps that address (the
// one the account was made with) until the mark is cleared.
type UserData struct {
	IdentitiesResponse
	Unvouched *Unvouched `json:"unvouched,omitempty" doc:"Only while the account is marked."`
}

// Unvouched is the mark of an account a provider made without vouching
// for its address.
type Unvouched struct {
	Email    string    `json:"email" doc:"The address the account was made with."`
	MarkedAt time.Time `json:"marked_at"`
}

// Failure says why a sign-in through a provider did not work. The
// callback sends the browser to /login?error=CODE&provider=ID (or, when
// connecting an account, /profile?error=CODE&provider=ID), and the page
// explains it in words. Like an error code, a failure never changes
// meaning once published.
type Failure string

// The failures of the callback.
const (
	// FailureInvalidState: the attempt is unknown, used, expired (after 10
	// minutes) or was started in another browser.
	FailureInvalidState Failure = "invalid_state"
	// FailureCancelled: the person declined at the provider.
	FailureCancelled Failure = "access_denied"
	// FailureProvider: the provider could not be reached, refused the
	// code, or answered with an error.
	FailureProvider Failure = "provider_error"
	// FailureInvalidToken: the provider's ID token failed verification
	// (signature, issuer, audience, expiry or nonce).
	FailureInvalidToken Failure = "invalid_id_token"
	// FailureEmailMissing: to create an account the provider must give an
	// email address (GitHub: a primary, verified one), and it gave none.
	FailureEmailMissing Failure = "email_missing"
	// FailureAccountExists: an account has this email, and it cannot be
	// connected automatically because the provider or the account has
	// not verified the address (an account a provider made without
	// vouching for it counts as unverified until a reset proves it), or
	// the account asks for a second factor. Log in with the password,
	// then connect the provider from the profile.
	FailureAccountExists Failure = "account_exists"
	// FailureAccountDisabled: the account was deactivated.
	FailureAccountDisabled Failure = "account_disabled"
	// FailureIdentityTaken: connecting failed because this provider
	// account is already connected to another account.
	FailureIdentityTaken Failure = "identity_taken"
	// FailureRecentLoginRequired: connecting an account needs a recent
	// session, one that signed in or re-authenticated (POST
	// /api/auth/reauth) within the server's re-authentication window (10
	// minutes by default). The app asks the person to confirm it's them,
	// then connects.
	FailureRecentLoginRequired Failure = "recent_login_required"
	// FailureEmailUnverified: connecting an account needs a confirmed
	// email address, as adding any credential does (see
	// httpapi.Route.AddsCredential).
	FailureEmailUnverified Failure = "email_unverified"
	// FailureLoginRequired: connecting an account needs a login, and the
	// session that started it has ended.
	FailureLoginRequired Failure = "login_required"
	// FailureServer: something failed on the server's side (its database);
	// the details are in its log.
	FailureServer Failure = "server_error"
)

// Connected is the query parameter with which /profile learns that an
// account was connected: /profile?connected=github.
const Connected = "connected"
