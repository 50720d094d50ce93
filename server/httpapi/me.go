package httpapi

import (
	"net/http"

	"github.com/authkit/authkit/shared"
)

// The logged-in user's own account and sessions. Every handler here runs
// behind requireAuth.

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	u, err := a.svc.Accounts.User(r.Context(), p.Principal)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, shared.UserResponse{User: userJSON(u)})
	return nil
}

func (a *API) updateMe(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	req, err := decode[shared.UpdateProfileRequest](w, r)
	if err != nil {
		return err
	}
	u, err := a.svc.Accounts.UpdateProfile(r.Context(), p.Principal, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, shared.UserResponse{User: userJSON(u)})
	return nil
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	req, err := decode[shared.ChangePasswordRequest](w, r)
	if err != nil {
		return err
	}
	if err := a.svc.Accounts.ChangePassword(r.Context(), p.Principal, req); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) sessions(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	list, err := a.svc.Sessions.List(r.Context(), p.Principal)
	if err != nil {
		return err
	}
	resp := shared.SessionsResponse{Sessions: make([]shared.Session, 0, len(list))}
	for i := range list {
		resp.Sessions = append(resp.Sessions, sessionJSON(&list[i], p.SessionID))
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (a *API) revokeSession(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	if err := a.svc.Sessions.Revoke(r.Context(), p.Principal, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
