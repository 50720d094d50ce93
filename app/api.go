package app

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The typed calls of the core API, one method per endpoint, and the
// signed-in user they keep for every page.

// CurrentUser returns the signed-in user (not_authenticated when nobody
// is). It asks the server (GET /api/me) the first time only, and again
// after anything that may change the answer: a login, a logout, a password
// reset, a confirmed email, or any call that finds the session over. A
// profile change keeps the server's answer to it. Pages ask it on every
// navigation; most of the time it costs no request.
func (c *Client) CurrentUser(ctx context.Context) (shared.User, error) {
	if user, ok := c.signedIn.get(); ok {
		return user, nil
	}
	generation := c.signedIn.generation()
	user, err := c.Me(ctx)
	if err == nil {
		c.signedIn.setIfUnchanged(user, generation)
	}
	return user, err
}

// rememberUser keeps the user the server has just answered with.
func (c *Client) rememberUser(user shared.User) { c.signedIn.set(user) }

// forgetUser drops the kept user, so the next CurrentUser asks the server.
func (c *Client) forgetUser() { c.signedIn.forget() }

// forgetUserOnSuccess forgets the kept user once a call that changes who is
// signed in (or what their account says) has succeeded.
func (c *Client) forgetUserOnSuccess(err error) {
	if err == nil {
		c.forgetUser()
	}
}

// userCache holds the signed-in user between navigations. Its generation
// counts the times it was forgotten, so an answer to GET /api/me that was
// sent before a logout cannot bring the old user back.
type userCache struct {
	mu        sync.Mutex
	user      *shared.User
	forgotten uint64
	watchers  []userWatcher // told of UserChanged (onUserChanged)
}

// userWatcher is a part of the page on screen that shows the user: ctx's
// element, and what it does with the user a module has changed.
type userWatcher struct {
	ctx     app.Context
	changed func(app.Context, shared.User)
}

func (u *userCache) get() (shared.User, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.user == nil {
		return shared.User{}, false
	}
	return *u.user, true
}

func (u *userCache) generation() uint64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.forgotten
}

func (u *userCache) set(user shared.User) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.user = &user
}

func (u *userCache) setIfUnchanged(user shared.User, generation uint64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.forgotten == generation {
		u.user = &user
	}
}

// watch adds w, in place of the watchers whose element has left the page
// and of an earlier one of w's element. It runs on the UI goroutine.
func (u *userCache) watch(w userWatcher) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.watchers = slices.DeleteFunc(u.watchers, func(old userWatcher) bool {
		return !old.ctx.Src().Mounted() || old.ctx.Src() == w.ctx.Src()
	})
	u.watchers = append(u.watchers, w)
}

// watching returns the watchers (some of whose elements may have left
// the page).
func (u *userCache) watching() []userWatcher {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.watchers)
}

func (u *userCache) forget() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.user = nil
	u.forgotten++
}

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
// the authenticator app or a recovery code. A wrong code answers
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

// Logout ends this device's session.
func (c *Client) Logout(ctx context.Context) error {
	defer c.forgetUser()
	return c.Call(ctx, http.MethodPost, "/api/auth/logout", nil, nil)
}

// LogoutAll ends every session of the account, this one included.
func (c *Client) LogoutAll(ctx context.Context) error {
	defer c.forgetUser()
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

// UserChanged forgets the signed-in user, so the next page asks the
// server, and has the signed-in page and cards on screen (SignedInPage,
// Card) read the user again, so that what they show and the second
// factors their re-authentication dialogs offer are the account's as it
// is now: modules call it after a change to the account made through Call
// (a confirmed email change, a second factor turned on or off, a passkey
// added or deleted, a deleted account).
func (c *Client) UserChanged() {
	c.forgetUser()
	c.tellWatchers()
}

// onUserChanged has changed run on the UI goroutine, for ctx's element,
// with the user read again after each UserChanged while the element is
// on the page. SignedInPage calls it from OnMount.
func (c *Client) onUserChanged(ctx app.Context, changed func(app.Context, shared.User)) {
	c.signedIn.watch(userWatcher{ctx, changed})
}

// tellWatchers reads the user once for all the watchers, in the
// background, and hands it to each on the UI goroutine (go-app drops a
// dispatch whose element has left the page). A failure tells nobody: they
// keep the user they have, the next action finds out what went wrong,
// and a card that ended the session (a deleted account) goes where it
// means to. Nor does an answer that a later change has made old: that
// change's own reading follows.
func (c *Client) tellWatchers() {
	watchers := c.signedIn.watching()
	if len(watchers) == 0 {
		return
	}
	ctx := watchers[0].ctx
	generation := c.signedIn.generation()
	ctx.Async(func() {
		user, err := c.CurrentUser(ctx)
		if err != nil || c.signedIn.generation() != generation {
			return
		}
		for _, w := range watchers {
			w.ctx.Dispatch(func(ctx app.Context) { w.changed(ctx, user) })
		}
	})
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
