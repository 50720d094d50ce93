package totp

import (
	"net/http"

	"github.com/authkit/authkit/server/httpapi"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// handlers are the module's endpoints: who is asking (the guard let them
// in), decode, call the service, encode.
type handlers struct{ svc *Service }

func (h handlers) status(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	st, err := h.svc.Status(r.Context(), caller.UserID)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, st)
	return nil
}

func (h handlers) setup(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	resp, err := h.svc.Setup(r.Context(), caller.UserID)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
	return nil
}

func (h handlers) enable(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	req, err := httpapi.Decode[sharedtotp.EnableRequest](w, r)
	if err != nil {
		return err
	}
	codes, err := h.svc.Enable(r.Context(), caller, req)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, sharedtotp.RecoveryCodesResponse{RecoveryCodes: codes})
	return nil
}

func (h handlers) disable(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	if err := h.svc.Disable(r.Context(), caller); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h handlers) newRecoveryCodes(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	codes, err := h.svc.NewRecoveryCodes(r.Context(), caller)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, sharedtotp.RecoveryCodesResponse{RecoveryCodes: codes})
	return nil
}
