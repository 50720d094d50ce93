package httpapi

import (
	"errors"
	"net/http"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/shared"
)

// The browser flow: credentials in, cookies out. Bodies answer with the
// user so the app can render at once.

func (a *API) register(w http.ResponseWriter, r *http.Request) error {
	req, err := decode[shared.RegisterRequest](w, r)
	if err != nil {
		return err
	}
	u, issued, err := a.svc.Accounts.Register(r.Context(), req, clientOf(r))
	if err != nil {
		return err
	}
	a.startBrowserSession(w, issued)
	writeJSON(w, http.StatusCreated, shared.UserResponse{User: userJSON(u)})
	return nil
}

func (a *API) login(w http.ResponseWriter, r *http.Request) error {
	req, err := decode[shared.LoginRequest](w, r)
	if err != nil {
		return err
	}
	u, issued, err := a.svc.Accounts.Login(r.Context(), req, clientOf(r))
	if err != nil {
		return err
	}
	a.startBrowserSession(w, issued)
	writeJSON(w, http.StatusOK, shared.UserResponse{User: userJSON(u)})
	return nil
}

// refresh rotates the refresh cookie. It needs no CSRF token: the cookie
// is SameSite=Strict, cross-origin requests are refused, and a forged
// refresh would only hand fresh cookies to the victim's own browser.
func (a *API) refresh(w http.ResponseWriter, r *http.Request) error {
	u, issued, err := a.svc.Sessions.RefreshInBrowser(r.Context(), a.cookies.refresh(r), clientOf(r))
	if errors.Is(err, auth.ErrRefreshRaced) {
		return err // another tab just refreshed: keep its new cookies
	}
	if err != nil {
		a.cookies.clear(w)
		return err
	}
	a.startBrowserSession(w, issued)
	writeJSON(w, http.StatusOK, shared.UserResponse{User: userJSON(u)})
	return nil
}

// logout ends the caller's session and clears the cookies. It is
// idempotent: without a live session it only clears the cookies.
func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	if err := a.LogOut(w, r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) logoutAll(w http.ResponseWriter, r *http.Request) error {
	p, err := a.sessionForLogout(r)
	if err != nil {
		return err
	}
	if p == nil {
		return shared.NewError(shared.CodeNotAuthenticated, "Please log in.")
	}
	if err := a.svc.Sessions.LogoutAll(r.Context(), p.Principal); err != nil {
		return err
	}
	a.cookies.clear(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// sessionForLogout finds the session to end: that of the access token, or
// (when it has expired) that of the refresh cookie, so logging out works
// at any time. Cookie-authenticated logouts must pass the CSRF check. It
// returns nil when the request carries no usable credentials.
func (a *API) sessionForLogout(r *http.Request) (*authenticated, error) {
	var p *authenticated
	if token, source, err := a.accessToken(r); err == nil {
		if principal, err := a.svc.Sessions.Authenticate(r.Context(), token); err == nil {
			p = &authenticated{Principal: principal, source: source}
		}
	}
	if p == nil {
		principal, err := a.svc.Sessions.PrincipalOfRefreshToken(r.Context(), a.cookies.refresh(r))
		if err != nil {
			return nil, nil
		}
		p = &authenticated{Principal: principal, source: fromCookie}
	}
	if p.source == fromCookie {
		if err := a.csrf.check(r, p.SessionID); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (a *API) startBrowserSession(w http.ResponseWriter, issued auth.Issued) {
	maxAge := a.cookies.set(w, issued, a.now())
	a.csrf.issue(w, issued.SessionID, maxAge)
}
