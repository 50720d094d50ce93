package passkeys

import (
	"net/http"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
)

// handlers are the module's endpoints: who is asking (the guard let them
// in), decode, call the service, encode.
type handlers struct {
	svc           *Service
	api           *httpapi.API
	begins        *auth.Throttle // sign-ins started per client
	registrations *auth.Throttle // registrations started per account
}

func (h handlers) beginRegistration(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	if err := h.registrations.Take(r.Context(), caller.UserID); err != nil {
		return err
	}
	opts, err := h.svc.BeginRegistration(r.Context(), caller)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, opts)
	return nil
}

func (h handlers) finishRegistration(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	req, err := httpapi.Decode[sharedpasskeys.FinishRegistrationRequest](w, r)
	if err != nil {
		return err
	}
	row, err := h.svc.FinishRegistration(r.Context(), caller, req)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, sharedpasskeys.PasskeyResponse{Passkey: row.JSON()})
	return nil
}

func (h handlers) list(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	list, err := h.svc.List(r.Context(), caller.UserID)
	if err != nil {
		return err
	}
	resp := sharedpasskeys.PasskeysResponse{Passkeys: make([]sharedpasskeys.Passkey, 0, len(list))}
	for i := range list {
		resp.Passkeys = append(resp.Passkeys, list[i].JSON())
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
	return nil
}

func (h handlers) rename(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	req, err := httpapi.Decode[sharedpasskeys.RenameRequest](w, r)
	if err != nil {
		return err
	}
	row, err := h.svc.Rename(r.Context(), caller.UserID, r.PathValue("id"), req)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, sharedpasskeys.PasskeyResponse{Passkey: row.JSON()})
	return nil
}

func (h handlers) delete(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	if err := h.svc.Delete(r.Context(), caller, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h handlers) beginLogin(w http.ResponseWriter, r *http.Request) error {
	if err := h.begins.TakeClient(r.Context(), httpapi.ClientOf(r).IP); err != nil {
		return err
	}
	opts, err := h.svc.BeginLogin(r.Context(), ensureBrowserID(w, r, h.api.SecureCookies()))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, opts)
	return nil
}

// finishLogin signs the passkey's owner in, with the session cookies. A
// passkey with user verification is a whole login: no second step.
func (h handlers) finishLogin(w http.ResponseWriter, r *http.Request) error {
	req, err := httpapi.Decode[sharedpasskeys.FinishLoginRequest](w, r)
	if err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return err
	}
	u, passkeyID, err := h.svc.Authenticate(r.Context(), req.Credential, browserID(r, h.api.SecureCookies()))
	if err != nil {
		return err
	}
	if testHookAuthenticated != nil {
		testHookAuthenticated()
	}
	// The session starts only if the passkey is still u's: a password
	// reset that removed it since it was checked must not be outlived.
	checked := r.WithContext(auth.WithFirstStep(r.Context(), stillRegistered(passkeyID, u.ID)))
	if err := h.api.StartSession(w, checked, u, auth.MethodPasskey); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, shared.UserResponse{User: httpapi.UserJSON(u)})
	return nil
}

// testHookAuthenticated, set by tests (export_test.go), runs when a
// sign-in's assertion has been checked and stored, before its session
// starts: where a concurrent password reset lands in a race.
var testHookAuthenticated func()
