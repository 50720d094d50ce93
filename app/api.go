package app

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/authkit/authkit/shared"
)

// The typed calls of the core API, one method per endpoint. The signed-in
// user they keep for every page is in user.go.

// Register creates an account and signs it in (201).
func (c *Client) Register(ctx context.Context, req shared.RegisterRequest) (shared.User, error) {
	var resp shared.UserResponse
	err := c.send(ctx, http.MethodPost, "/api/auth/register", req, &resp)
	c.forgetUserOnSuccess(err)
	return resp.User, err
}

// Login signs in with an email and a password. Wrong credentials answer
// invalid_credentials; too many attempts answer rate_limited.
func (c *Client) Login(ctx context.Context, req shared.LoginRequest) (shared.User, error) {
	var resp shared.UserResponse
	err := c.send(ctx, http.MethodPost, "/api/auth/login", req, &resp)
	c.forgetUserOnSuccess(err)
	return resp.User, err
}

// LoginMFA finishes a login that answered mfa_required, with a code from
// the authenticator app or a recovery code, or a module's proof (a
// passkey's assertion: SecondStepWith). A wrong code answers
// invalid_code; a spent, expired or exhausted token not_authenticated.
func (c *Client) LoginMFA(ctx context.Context, req shared.MFALoginRequest) (shared.User, error) {
	var resp shared.UserResponse
	err := c.send(ctx, http.MethodPost, "/api/auth/login/mfa", req, &resp)
	c.forgetUserOnSuccess(err)
	return resp.User, err
}

// Reauthenticate makes the session recent again, for the sensitive
// action that answered reauth_required. A wrong password answers
// wrong_password; a wrong code invalid_code.
func (c *Client) Reauthenticate(ctx context.Context, req shared.ReauthRequest) error {
	return c.Call(ctx, http.MethodPost, "/api/auth/reauth", req, nil)
}

// RequestPasswordReset asks for a reset link by email. The answer (202)
// is the same whether or not the account exists; its message says so.
func (c *Client) RequestPasswordReset(ctx context.Context, req shared.PasswordResetRequest) (string, error) {
	var resp shared.Accepted
	err := c.send(ctx, http.MethodPost, "/api/auth/password-reset", req, &resp)
	return resp.Message, err
}

// ResetPassword sets a new password with the token from a reset link; the
// server then ends every session of the account. A used, expired or
// unknown token answers invalid_token.
func (c *Client) ResetPassword(ctx context.Context, req shared.PasswordResetConfirmRequest) error {
	err := c.send(ctx, http.MethodPost, "/api/auth/password-reset/confirm", req, nil)
	c.forgetUserOnSuccess(err)
	return err
}

// VerifyEmail confirms an email address with the token from the link
// mailed at sign-up. A used, expired or unknown token answers
// invalid_token.
func (c *Client) VerifyEmail(ctx context.Context, req shared.VerifyEmailRequest) (shared.User, error) {
	var resp shared.UserResponse
	err := c.send(ctx, http.MethodPost, "/api/auth/verify-email", req, &resp)
	c.forgetUserOnSuccess(err)
	return resp.User, err
}

// ResendVerification mails the signed-in user a new confirmation link.
func (c *Client) ResendVerification(ctx context.Context) (string, error) {
	var resp shared.Accepted
	err := c.Call(ctx, http.MethodPost, "/api/me/verify-email/resend", nil, &resp)
	return resp.Message, err
}

// Logout ends this device's session, and empties the tab's
// sessionStorage (signedOut).
func (c *Client) Logout(ctx context.Context) error {
	defer c.signedOut()
	return c.Call(ctx, http.MethodPost, "/api/auth/logout", nil, nil)
}

// LogoutAll ends every session of the account, this one included, and
// empties the tab's sessionStorage as Logout does.
func (c *Client) LogoutAll(ctx context.Context) error {
	defer c.signedOut()
	return c.Call(ctx, http.MethodPost, "/api/auth/logout-all", nil, nil)
}

// Me asks the server who is signed in; not_authenticated when nobody is.
// Pages use CurrentUser, which asks only when the answer may have changed.
func (c *Client) Me(ctx context.Context) (shared.User, error) {
	var resp shared.UserResponse
	err := c.Call(ctx, http.MethodGet, "/api/me", nil, &resp)
	return resp.User, err
}

// UpdateProfile changes the signed-in user's display name.
func (c *Client) UpdateProfile(ctx context.Context, req shared.UpdateProfileRequest) (shared.User, error) {
	var resp shared.UserResponse
	err := c.Call(ctx, http.MethodPatch, "/api/me", req, &resp)
	if err == nil {
		c.rememberUser(resp.User)
	}
	return resp.User, err
}

// ChangePassword replaces the password; the server signs out every other
// session and keeps this one. A wrong current password answers
// wrong_password.
func (c *Client) ChangePassword(ctx context.Context, req shared.ChangePasswordRequest) error {
	return c.Call(ctx, http.MethodPost, "/api/me/password", req, nil)
}

// Sessions lists the signed-in user's sessions, newest first.
func (c *Client) Sessions(ctx context.Context) ([]shared.Session, error) {
	var resp shared.SessionsResponse
	err := c.Call(ctx, http.MethodGet, "/api/me/sessions", nil, &resp)
	return resp.Sessions, err
}

// RevokeSession signs out one of the user's sessions.
func (c *Client) RevokeSession(ctx context.Context, id string) error {
	return c.Call(ctx, http.MethodDelete, "/api/me/sessions/"+url.PathEscape(id), nil, nil)
}

// Users is one page of the admin's user search.
func (c *Client) Users(ctx context.Context, query string, limit, offset int) (shared.UsersResponse, error) {
	q := url.Values{}
	if query != "" {
		q.Set("q", query)
	}
	q.Set("limit", strconv.Itoa(limit))
	q.Set("offset", strconv.Itoa(offset))
	var resp shared.UsersResponse
	err := c.Call(ctx, http.MethodGet, "/api/admin/users?"+q.Encode(), nil, &resp)
	return resp, err
}

// UpdateUser changes a user as an admin. Non-staff get forbidden; only
// superusers may change IsStaff.
func (c *Client) UpdateUser(ctx context.Context, id string, req shared.AdminUpdateUserRequest) (shared.User, error) {
	var resp shared.UserResponse
	err := c.Call(ctx, http.MethodPatch, "/api/admin/users/"+url.PathEscape(id), req, &resp)
	return resp.User, err
}

// EventQuery selects security events for staff.
type EventQuery struct {
	UserID       string // one account's; "" for all
	StaffActions bool   // only what staff did: the audit of admin actions
	Before       string // the id of the last event already shown
	Limit        int
}

// Events is one page of security events for staff, newest first.
func (c *Client) Events(ctx context.Context, q EventQuery) ([]shared.AuditEvent, error) {
	v := url.Values{}
	if q.UserID != "" {
		v.Set("user_id", q.UserID)
	}
	if q.StaffActions {
		v.Set("staff_actions", "true")
	}
	if q.Before != "" {
		v.Set("before", q.Before)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var resp shared.AuditResponse
	err := c.Call(ctx, http.MethodGet, "/api/admin/events?"+v.Encode(), nil, &resp)
	return resp.Events, err
}

// DeleteUser deletes an account as staff. Staff may delete accounts that
// are not staff, superusers any but the last superuser (last_superuser).
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return c.Call(ctx, http.MethodDelete, "/api/admin/users/"+url.PathEscape(id), nil, nil)
}

// ResetFactors removes a user's second factors and passkeys and signs
// them out everywhere (superusers only; others get forbidden).
func (c *Client) ResetFactors(ctx context.Context, id string) (shared.User, error) {
	var resp shared.UserResponse
	err := c.Call(ctx, http.MethodPost, "/api/admin/users/"+url.PathEscape(id)+"/reset-factors", nil, &resp)
	return resp.User, err
}
