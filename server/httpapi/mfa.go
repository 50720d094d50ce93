package httpapi

import (
	"net/http"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// The second step of logins, re-authentication, and the hooks that let
// modules take part: second factors register into the auth core's
// registry (Kit.RegisterSecondFactor), and other login methods sign a
// user in through SignIn, which asks for the second factor when the user
// has one.

// RegisterSecondFactor adds a module's second factor to the login's
// second step and to re-authentication. Modules call it from Mount; under
// `authkit openapi`, which mounts modules without a database, it does
// nothing.
func (k *Kit) RegisterSecondFactor(f auth.SecondFactor) {
	if k.Auth != nil {
		k.Auth.Factors.Register(f)
	}
}

// RegisterWayIn adds a module's login method to the ways in the core
// counts before one is removed (auth.WaysIn): count says how many of its
// kind ("identity", "passkey") a user has. A module that removes one
// does it through k.Auth.WaysIn.Remove, which refuses the last way in
// with last_login_method. Modules call it from Mount; under `authkit
// openapi` it does nothing.
func (k *Kit) RegisterWayIn(kind string, count auth.WayInCounter) {
	if k.Auth != nil {
		k.Auth.WaysIn.Register(kind, count)
	}
}

// RegisterWayInRemover adds how to remove every way in of a module's
// kind that a user has, within tx: a password reset of an account whose
// address was never confirmed removes them all, since whoever added them
// had not shown they own the mailbox (auth.WayInRemover). Second factors
// are reset through their own registration (auth.SecondFactor).
func (k *Kit) RegisterWayInRemover(remove auth.WayInRemover) {
	if k.Auth != nil {
		k.Auth.WaysIn.RegisterRemover(remove)
	}
}

// RegisterUnproven adds how to clear a module's mark on the accounts it
// let someone into without their showing they own the address, in a way
// that confirming the address later does not cure; it reports whether
// the account was marked. A password reset of a marked account removes
// every way in and second factor, as on an account whose address was
// never confirmed; a confirmation from a session of the account itself
// clears the mark (auth.UnprovenMark).
func (k *Kit) RegisterUnproven(clearMark auth.UnprovenMark) {
	if k.Auth != nil {
		k.Auth.WaysIn.RegisterUnproven(clearMark)
	}
}

// SignIn finishes a login method's first step for u, a user it has
// identified (an OIDC callback, a magic link) by method ("oidc"…). When u
// has no second factor it starts the session, sets the session cookies
// and returns nil. Otherwise it sets no cookie and returns the challenge:
// send the browser to /login?mfa_token=… (the login page then asks for
// the code; the token is kept out of history), or answer an API client
// with it (WriteMFARequired).
//
// Errors: invalid_credentials (the account is inactive).
func (a *API) SignIn(w http.ResponseWriter, r *http.Request, u *store.User, method string) (*shared.MFAChallenge, error) {
	if !u.IsActive {
		return nil, shared.NewError(shared.CodeInvalidCredentials, "This account cannot sign in.")
	}
	ch, err := a.svc.Factors.Challenge(r.Context(), u, method)
	if err != nil || ch != nil {
		return ch, err
	}
	issued, err := a.svc.Sessions.StartVia(r.Context(), u, clientOf(r), method)
	if err != nil {
		return nil, err
	}
	a.startBrowserSession(w, issued)
	return nil, nil
}

// WriteMFARequired answers 401 mfa_required with the challenge, as
// POST /api/auth/login does for a user with a second factor.
func (a *API) WriteMFARequired(w http.ResponseWriter, r *http.Request, ch *shared.MFAChallenge) {
	a.WriteError(w, r, auth.MFARequired(ch))
}

// StartSession starts a session for u signed in by method, with the
// session cookies, skipping the second step: for login methods that are
// a full login on their own (a passkey with user verification).
func (a *API) StartSession(w http.ResponseWriter, r *http.Request, u *store.User, method string) error {
	issued, err := a.svc.Sessions.StartVia(r.Context(), u, clientOf(r), method)
	if err != nil {
		return err
	}
	a.startBrowserSession(w, issued)
	return nil
}

func (a *API) loginMFA(w http.ResponseWriter, r *http.Request) error {
	req, err := decode[shared.MFALoginRequest](w, r)
	if err != nil {
		return err
	}
	u, issued, err := a.svc.Factors.Complete(r.Context(), req, clientOf(r))
	if err != nil {
		return err
	}
	a.startBrowserSession(w, issued)
	writeJSON(w, http.StatusOK, shared.UserResponse{User: userJSON(u)})
	return nil
}

func (a *API) obtainTokenMFA(w http.ResponseWriter, r *http.Request) error {
	req, err := decode[shared.MFALoginRequest](w, r)
	if err != nil {
		return err
	}
	_, issued, err := a.svc.Factors.Complete(r.Context(), req, clientOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, shared.TokenPair{Access: issued.Access, Refresh: issued.Refresh})
	return nil
}

func (a *API) reauth(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	req, err := decode[shared.ReauthRequest](w, r)
	if err != nil {
		return err
	}
	if err := a.svc.Accounts.Reauthenticate(r.Context(), p.Principal, req); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
