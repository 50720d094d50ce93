package httpapi

import (
	"net/http"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/shared"
)

// Password recovery and email confirmation. The links in the emails lead
// to pages of the web app, which post the token here.

// requestPasswordReset answers 202 with one body whatever the email.
func (a *API) requestPasswordReset(w http.ResponseWriter, r *http.Request) error {
	req, err := decode[shared.PasswordResetRequest](w, r)
	if err != nil {
		return err
	}
	if err := a.svc.Recovery.RequestPasswordReset(r.Context(), req, clientOf(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, auth.AcceptedReset())
	return nil
}

func (a *API) confirmPasswordReset(w http.ResponseWriter, r *http.Request) error {
	req, err := decode[shared.PasswordResetConfirmRequest](w, r)
	if err != nil {
		return err
	}
	if err := a.svc.Recovery.ConfirmPasswordReset(r.Context(), req); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) verifyEmail(w http.ResponseWriter, r *http.Request) error {
	req, err := decode[shared.VerifyEmailRequest](w, r)
	if err != nil {
		return err
	}
	// The caller, if signed in: a confirmation from a session of the
	// account itself proves more than the mailbox (auth.UnprovenMark).
	var caller *auth.Principal
	if p, ok := a.Caller(r); ok {
		caller = &p
	}
	u, err := a.svc.Recovery.VerifyEmail(r.Context(), req, caller)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, shared.UserResponse{User: userJSON(u)})
	return nil
}

func (a *API) resendVerification(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	if err := a.svc.Recovery.ResendVerification(r.Context(), p.Principal); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, shared.Accepted{Message: "If your email is not confirmed yet, we sent you a new link."})
	return nil
}
