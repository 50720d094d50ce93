package httpapi

import (
	"net/http"

	"github.com/authkit/authkit/shared"
)

// The token flow for API clients, in the shapes of DRF SimpleJWT: tokens
// in the body, no cookies. Clients send the access token as
// "Authorization: Bearer …".

func (a *API) obtainToken(w http.ResponseWriter, r *http.Request) error {
	req, err := decode[shared.LoginRequest](w, r)
	if err != nil {
		return err
	}
	_, issued, err := a.svc.Accounts.Login(r.Context(), req, clientOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, shared.TokenPair{Access: issued.Access, Refresh: issued.Refresh})
	return nil
}

func (a *API) refreshToken(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeValid[shared.RefreshRequest](w, r)
	if err != nil {
		return err
	}
	_, issued, err := a.svc.Sessions.Refresh(r.Context(), req.Refresh, clientOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, shared.TokenPair{Access: issued.Access, Refresh: issued.Refresh})
	return nil
}

func (a *API) verifyToken(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeValid[shared.VerifyRequest](w, r)
	if err != nil {
		return err
	}
	if err := a.svc.Sessions.VerifyAccessToken(r.Context(), req.Token); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct{}{})
	return nil
}
