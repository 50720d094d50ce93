package httpapi

import (
	"context"
	"net/http"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
)

// The fork-facing helpers: what Django offers as login(), logout(), an
// authentication class and a middleware, for plain net/http handlers.

// RequireUser wraps a plain handler so only logged-in users reach it, as
// the RequireVerified guard does for a Route: a valid access token (cookie
// or Bearer) of a live session, and for state-changing cookie requests a
// valid X-CSRF-Token. Others get the JSON error (401 not_authenticated or
// token_expired, 403 csrf_failed or email_unverified). Prefer declaring a
// Route, which also gets the JSON 405 and its place in the OpenAPI
// document; this is for handlers mounted elsewhere.
func (a *API) RequireUser(next http.Handler) http.Handler {
	return a.serve(a.guard(RequireVerified, plain(next)))
}

// RequireStaff is RequireUser for staff only (others get 403 forbidden).
func (a *API) RequireStaff(next http.Handler) http.Handler {
	return a.serve(a.guard(RequireStaff, plain(next)))
}

// plain adapts an http.Handler to a HandlerFunc that never fails.
func plain(h http.Handler) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		h.ServeHTTP(w, r)
		return nil
	}
}

// UserFrom returns the caller that a route's guard (or RequireUser,
// RequireStaff) let through; ok is false on a Public route. Load the full
// account with auth.Accounts.User when needed.
func UserFrom(ctx context.Context) (auth.Principal, bool) {
	p, ok := principalFrom(ctx)
	return p.Principal, ok
}

// ClientOf describes where a request comes from (IP and user agent), as
// the kit records it with sessions and keys its throttles by.
func ClientOf(r *http.Request) auth.Client { return clientOf(r) }

// SecureCookies reports whether the server sets Secure cookies with the
// __Host-/__Secure- prefixes (false under --insecure-cookies), so a
// module's own cookies follow the kit's.
func (a *API) SecureCookies() bool { return a.cookies.secure }

// LogIn starts a browser session for a user the fork authenticated some
// other way: it creates the session row and sets the same cookies as a
// password login, so logout, revocation and "log out everywhere" work as
// for any session.
//
// It asks for no second factor: a user with an authenticator app signs
// in without a code. A login method that is only a first step (an OAuth
// callback, a magic link) must call SignIn instead, which asks for the
// second factor when the user has one.
func (a *API) LogIn(w http.ResponseWriter, r *http.Request, u *store.User) error {
	issued, err := a.svc.Sessions.Start(r.Context(), u, clientOf(r))
	if err != nil {
		return err
	}
	a.startBrowserSession(w, issued)
	return nil
}

// LogOut ends the request's session (if any) and clears the cookies. Like
// POST /api/auth/logout, it requires the CSRF token for cookie sessions.
func (a *API) LogOut(w http.ResponseWriter, r *http.Request) error {
	p, err := a.sessionForLogout(r)
	if err != nil {
		return err
	}
	if p != nil {
		if err := a.svc.Sessions.Logout(r.Context(), p.Principal); err != nil {
			return err
		}
	}
	a.cookies.clear(w)
	return nil
}

// Caller returns who is calling when the request carries credentials of
// a session, on a Public route that works for anyone but treats its own
// user differently (confirming an email change keeps the caller's own
// session, or a sign-in link that connects a provider account). Like
// logout it accepts the access token, or once that has expired the refresh
// cookie (the routes under /api/auth receive it), and for cookies it
// demands the CSRF header on state-changing methods; a safe method (a GET
// link) changes nothing by itself and needs none. ok is false for anyone
// else.
func (a *API) Caller(r *http.Request) (p auth.Principal, ok bool) {
	if p, ok := principalFrom(r.Context()); ok {
		return p.Principal, true
	}
	if isSafeMethod(r.Method) {
		if token, _, err := a.accessToken(r); err == nil {
			if p, err := a.svc.Sessions.Authenticate(r.Context(), token); err == nil {
				return p, true
			}
		}
	}
	caller, err := a.sessionForLogout(r)
	if err != nil || caller == nil {
		return auth.Principal{}, false
	}
	return caller.Principal, true
}

// Recent reports whether the caller's session proved who its user is
// within the re-authentication window (--reauth-window): its login, or a
// later POST /api/auth/reauth. It is the RequireRecent guard's check, for
// a route that cannot answer 403 reauth_required as JSON (a browser
// navigation, such as connecting a sign-in provider's account) and so
// checks the caller itself (OWASP ASVS 3.7.1).
func (a *API) Recent(p auth.Principal) bool { return p.AuthenticatedWithin(a.reauthWindow, a.now()) }

// ClearSessionCookies removes the session cookies, for a route that ended
// the session some other way (deleting the account); declare the route
// with ClearsSession so the document says so.
func (a *API) ClearSessionCookies(w http.ResponseWriter) { a.cookies.clear(w) }

// WriteError answers with the kit's JSON error shape: a *shared.Error as it
// is, anything else as a logged 500 internal error.
func (a *API) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, a.log, err)
}

// WriteJSON answers with a JSON body.
func WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }

// Decode reads a JSON request body into a T, answering bad input as every
// kit endpoint does: unsupported_media_type, body_too_large, invalid_json
// (malformed JSON, wrong types, unknown fields, trailing data).
func Decode[T any](w http.ResponseWriter, r *http.Request) (T, error) { return decode[T](w, r) }

// DecodeOptional is Decode for a route whose body may be left out: a
// request with no body at all (no bytes, no Content-Type), such as a
// DELETE from a client that has nothing to say, reads as T's zero value.
// Any body that is sent is held to Decode's rules.
func DecodeOptional[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		var zero T
		return zero, nil
	}
	return decode[T](w, r)
}
