package auth

import (
	"context"

	"github.com/authkit/authkit/shared"
)

// Reauthenticate makes the caller's session recent again (POST
// /api/auth/reauth) with one proof of identity: the password, a code of a
// second factor, or a passkey's assertion. Sensitive actions (turning
// two-factor on or off, adding a passkey, changing the password) ask for
// a session authenticated within the re-authentication window (OWASP ASVS
// 3.7.1). Passwords and codes share the account's guess throttle.
//
// Errors: validation_failed, wrong_password (fields.password),
// invalid_code (fields.code), rate_limited, not_authenticated.
func (a *Accounts) Reauthenticate(ctx context.Context, p Principal, req shared.ReauthRequest) error {
	if err := req.Validate(); err != nil {
		return err
	}
	u, err := a.users.active(ctx, p.UserID)
	if err != nil {
		return err
	}
	method := MethodPassword
	if req.Password != "" {
		err = a.checkOwnPassword(ctx, u.ID, u.PasswordHash, req.Password)
	} else {
		method, err = a.factors.VerifySecondFactor(ctx, u, Proof{Code: req.Code, Credential: req.Credential})
	}
	if err != nil {
		return err
	}
	return a.sessions.Reauthenticated(ctx, p, method)
}

// checkOwnPassword checks a signed-in user's password under the
// account's guess throttle (AccountSecretCheck).
func (a *Accounts) checkOwnPassword(ctx context.Context, userID, hash, password string) error {
	ok, err := a.AccountSecretCheck(ctx, userID, func(ctx context.Context) (bool, error) {
		ok, _, err := a.hasher.Verify(ctx, password, hash)
		return ok, err
	})
	if err != nil {
		return err
	}
	switch {
	case !ok && hash == NoPassword:
		msg := "Your account has no password: sign out and in again with your provider, or use a code or a passkey."
		return &shared.Error{Code: shared.CodeWrongPassword, Message: msg, Fields: map[string]string{"password": msg}}
	case !ok:
		return &shared.Error{
			Code: shared.CodeWrongPassword, Message: "That is not your password.",
			Fields: map[string]string{"password": "That is not your password."},
		}
	}
	return nil
}
