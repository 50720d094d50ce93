package httpapi

import (
	"context"
	"net/http"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
)

// The fork-facing helpers: what Django offers as login(), logout(), an
// authentication class and a middleware, for plain net/http handlers.

// Handle adds a route of a fork to the API's router, beside the kit's own
// (same JSON 404s, logging, panic recovery and cross-origin protection).
// Wrap the handler in RequireUser or RequireStaff to protect it:
//
//	api.Handle("GET /api/reports", api.RequireStaff(reports))
func (a *API) Handle(pattern string, h http.Handler) { a.mux.Handle(pattern, noStore(h)) }

// RequireUser lets a request through only from a logged-in user: a valid
// access token (cookie or Bearer) of a live session, and for
// state-changing cookie requests a valid X-CSRF-Token. Others get the
// JSON error (401 not_authenticated or token_expired, 403 csrf_failed).
// The handler finds the caller with UserFrom.
func (a *API) RequireUser(next http.Handler) http.Handler {
	return a.serve(a.requireAuth(func(w http.ResponseWriter, r *http.Request) error {
		next.ServeHTTP(w, r)
		return nil
	}))
}

// RequireStaff is RequireUser for staff only (others get 403 forbidden).
func (a *API) RequireStaff(next http.Handler) http.Handler {
	return a.serve(a.requireAuth(func(w http.ResponseWriter, r *http.Request) error {
		p, _ := UserFrom(r.Context())
		if _, err := a.svc.RequireStaff(r.Context(), p); err != nil {
			return err
		}
		next.ServeHTTP(w, r)
		return nil
	}))
}

// UserFrom returns the caller that RequireUser or RequireStaff let
// through. Load the full account with auth.Service.User when needed.
func UserFrom(ctx context.Context) (auth.Principal, bool) {
	p, ok := principalFrom(ctx)
	return p.Principal, ok
}

// LogIn starts a browser session for a user the fork authenticated some
// other way (an OAuth callback, a magic link): it creates the session row
// and sets the same cookies as a password login, so logout, revocation and
// "log out everywhere" work as for any session.
func (a *API) LogIn(w http.ResponseWriter, r *http.Request, u *store.User) error {
	issued, err := a.svc.StartSession(r.Context(), u, clientOf(r))
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
		if err := a.svc.Logout(r.Context(), p.Principal); err != nil {
			return err
		}
	}
	a.cookies.clear(w)
	return nil
}

// WriteError answers with the kit's JSON error shape: a *shared.Error as it
// is, anything else as a logged 500 internal error.
func (a *API) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, a.log, err)
}

// WriteJSON answers with a JSON body.
func WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }
