package account

import (
	"net/http"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/shared"
)

// handlers are the module's endpoints: decode, call the core, encode.
type handlers struct{ kit *httpapi.Kit }

func (h handlers) requestEmailChange(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	req, err := httpapi.Decode[shared.ChangeEmailRequest](w, r)
	if err != nil {
		return err
	}
	if err := h.kit.Auth.Accounts.RequestEmailChange(r.Context(), caller, req); err != nil {
		return err
	}
	// The core normalised its copy of the address: name the one the link
	// went to, not what was typed.
	httpapi.WriteJSON(w, http.StatusAccepted, shared.Accepted{
		Message: "We sent a link to " + shared.NormalizeEmail(req.NewEmail) + ". Your address changes when you open it.",
	})
	return nil
}

func (h handlers) confirmEmailChange(w http.ResponseWriter, r *http.Request) error {
	req, err := httpapi.Decode[shared.ConfirmEmailChangeRequest](w, r)
	if err != nil {
		return err
	}
	var caller *auth.Principal
	if p, ok := h.kit.API.Caller(r); ok {
		caller = &p
	}
	u, err := h.kit.Auth.Recovery.ConfirmEmailChange(r.Context(), req, caller)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, shared.UserResponse{User: httpapi.UserJSON(u)})
	return nil
}

func (h handlers) deleteMe(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	// The body is optional: without a password, a recent session is the
	// proof, and an API client may send nothing at all.
	req, err := httpapi.DecodeOptional[shared.DeleteAccountRequest](w, r)
	if err != nil {
		return err
	}
	if err := h.kit.Auth.Accounts.DeleteAccount(r.Context(), caller, req, h.kit.API.RemoveUserData); err != nil {
		return err
	}
	h.kit.API.ClearSessionCookies(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h handlers) activity(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	page, err := httpapi.ReadEventPage(r)
	if err != nil {
		return err
	}
	events, err := h.kit.Auth.Activity.List(r.Context(), caller, page.Before, page.Limit)
	if err != nil {
		return err
	}
	resp := shared.ActivityResponse{Events: make([]shared.SecurityEvent, 0, len(events))}
	for i := range events {
		resp.Events = append(resp.Events, httpapi.EventJSON(&events[i]))
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
	return nil
}
