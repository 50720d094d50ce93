package httpapi

import (
	"crypto/hmac"
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

// refresh rotates the refresh cookie. Like every other state change made
// with cookies it needs the session's X-CSRF-Token (csrf.go): SameSite and
// the cross-origin check already stop most forgeries, but a refresh spends
// a token and, replayed late, revokes the session, so it gets the same
// second layer as the rest (OWASP CSRF Prevention Cheat Sheet: protect
// every state-changing request). Tabs racing to refresh share one session,
// hence one CSRF token, so the race handling is unchanged.
func (a *API) refresh(w http.ResponseWriter, r *http.Request) error {
	refreshToken := a.refreshCookie(r)
	if err := a.checkRefreshCSRF(r, refreshToken); err != nil {
		return err
	}
	u, issued, err := a.svc.Sessions.RefreshInBrowser(r.Context(), refreshToken, clientOf(r))
	if errors.Is(err, auth.ErrRefreshRaced) {
		return err // another tab just refreshed: keep its new cookies
	}
	if err != nil {
		// Only a refused token ends the cookies' use; a database that
		// cannot take the write (503, "retry") leaves a live session,
		// whose retry needs them.
		if isCode(err, shared.CodeNotAuthenticated) {
			a.cookies.clear(w)
		}
		return err
	}
	a.startBrowserSession(w, issued)
	writeJSON(w, http.StatusOK, shared.UserResponse{User: userJSON(u)})
	return nil
}

// checkRefreshCSRF checks the CSRF token of a refresh against the session
// its refresh cookie belongs to. A cookie that names no session is left to
// RefreshInBrowser, which refuses it (401) and clears the cookies as
// before: without a session there is nothing to forge a request for.
//
// Errors: csrf_failed.
func (a *API) checkRefreshCSRF(r *http.Request, refreshToken string) error {
	sessionID, err := a.svc.Sessions.SessionOfRefreshToken(r.Context(), refreshToken)
	if isCode(err, shared.CodeNotAuthenticated) {
		return nil
	}
	if err != nil {
		return err
	}
	return a.csrf.check(r, sessionID)
}

// refreshCookie is the refresh token a request presents: of several
// refresh cookies, the one of the session that the X-CSRF-Token header
// names, else the first. The refresh cookie's Path (/api/auth) rules out
// the __Host- prefix, and __Secure- does not stop a sibling subdomain
// from setting one for the whole domain, sent before the real one (a
// longer Path, an earlier creation): read first, a made-up one logged
// the owner out at their next refresh, and one of the planter's own
// sessions failed their refreshes and logouts on its CSRF check.
func (a *API) refreshCookie(r *http.Request) string {
	tokens := a.cookies.refreshes(r)
	if len(tokens) == 0 {
		return ""
	}
	if len(tokens) > 1 {
		header := []byte(r.Header.Get(shared.CSRFHeader))
		for _, token := range tokens {
			sessionID, err := a.svc.Sessions.SessionOfRefreshToken(r.Context(), token)
			if err == nil && hmac.Equal(header, []byte(a.csrf.token(sessionID))) {
				return token
			}
		}
	}
	return tokens[0]
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
//
// An expired Bearer token is refused (token_expired) rather than taken
// for no credentials: its session may well be live, and an API client
// told 204 would think it ended; it refreshes and logs out again, as on
// every other route. A refresh cookie that was spent before ends its
// session as a reuse (PrincipalOfRefreshToken), once the CSRF check has
// passed, and then stands for no session.
func (a *API) sessionForLogout(r *http.Request) (*authenticated, error) {
	if token, source, err := a.accessToken(r); err == nil {
		principal, err := a.svc.Sessions.Authenticate(r.Context(), token)
		switch {
		case err == nil && source == fromCookie:
			if err := a.csrf.check(r, principal.SessionID); err != nil {
				return nil, err
			}
			return &authenticated{Principal: principal, source: source}, nil
		case err == nil:
			return &authenticated{Principal: principal, source: source}, nil
		case source == fromBearer && isCode(err, shared.CodeTokenExpired):
			return nil, err
		}
	}
	refreshToken := a.refreshCookie(r)
	if err := a.checkRefreshCSRF(r, refreshToken); err != nil {
		return nil, err
	}
	principal, err := a.svc.Sessions.PrincipalOfRefreshToken(r.Context(), refreshToken, clientOf(r))
	if isCode(err, shared.CodeNotAuthenticated) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &authenticated{Principal: principal, source: fromCookie}, nil
}

func (a *API) startBrowserSession(w http.ResponseWriter, issued auth.Issued) {
	maxAge := a.cookies.set(w, issued, a.now())
	a.csrf.issue(w, issued.SessionID, maxAge)
}
