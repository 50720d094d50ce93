package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// ErrUnreachable reports that a request got no HTTP answer at all: the
// network is down, the server is not running, or the request timed out.
// Pages offer to retry; the message people see comes from describeError.
var ErrUnreachable = errors.New("server unreachable")

// requestTimeout bounds every call, so a page never waits on a spinner for
// a server that accepted the connection and then went quiet.
const requestTimeout = 20 * time.Second

// Client is the one typed client of the authkit API, and the only code in
// the browser app that knows URLs, cookies and headers. Pages call its
// methods and render what comes back.
//
// Every method returns nil, an *shared.Error (the server's answer; pages
// branch on its Code), or an error wrapping ErrUnreachable.
//
// Authentication rides on cookies the browser attaches by itself (the
// access and refresh cookies are HttpOnly, out of this code's reach). The
// client's own part is CSRF, the double-submit header on every unsafe
// request (OWASP CSRF Prevention Cheat Sheet), and refreshing an expired
// access token once per burst of requests.
type Client struct {
	base      string
	http      *http.Client
	csrfToken func() string

	// The refresh single-flight. Refresh tokens rotate and a reused one
	// revokes the whole session (RFC 9700 §4.14.2), so two requests that
	// find the access token expired at the same moment must share one
	// refresh rather than each spend the same refresh token.
	mu         sync.Mutex
	refreshing *refreshCall
	refreshed  uint64 // successful refreshes so far
}

// refreshCall is one refresh in flight; done closes when err is final.
type refreshCall struct {
	done chan struct{}
	err  error
}

// NewClient returns a client for the API at base ("" for the page's own
// origin), sending requests with hc and reading the CSRF token with
// csrfToken. Tests pass an httptest server's URL and a cookie jar reader.
func NewClient(base string, hc *http.Client, csrfToken func() string) *Client {
	return &Client{base: strings.TrimRight(base, "/"), http: hc, csrfToken: csrfToken}
}

// NewBrowserClient returns the client the app uses in the browser: same
// origin, the CSRF token read from document.cookie.
func NewBrowserClient() *Client {
	return NewClient("", &http.Client{Timeout: requestTimeout}, documentCSRFToken)
}

// Register creates an account and signs it in (201).
func (c *Client) Register(ctx context.Context, req shared.RegisterRequest) (shared.User, error) {
	var resp shared.UserResponse
	err := c.send(ctx, http.MethodPost, "/api/auth/register", req, &resp)
	return resp.User, err
}

// Login signs in with an email and a password. Wrong credentials answer
// invalid_credentials; too many attempts answer rate_limited.
func (c *Client) Login(ctx context.Context, req shared.LoginRequest) (shared.User, error) {
	var resp shared.UserResponse
	err := c.send(ctx, http.MethodPost, "/api/auth/login", req, &resp)
	return resp.User, err
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
	return c.send(ctx, http.MethodPost, "/api/auth/password-reset/confirm", req, nil)
}

// VerifyEmail confirms an email address with the token from the link
// mailed at sign-up. A used, expired or unknown token answers
// invalid_token.
func (c *Client) VerifyEmail(ctx context.Context, req shared.VerifyEmailRequest) (shared.User, error) {
	var resp shared.UserResponse
	err := c.send(ctx, http.MethodPost, "/api/auth/verify-email", req, &resp)
	return resp.User, err
}

// ResendVerification mails the signed-in user a new confirmation link.
func (c *Client) ResendVerification(ctx context.Context) (string, error) {
	var resp shared.Accepted
	err := c.call(ctx, http.MethodPost, "/api/me/verify-email/resend", nil, &resp)
	return resp.Message, err
}

// Logout ends this device's session.
func (c *Client) Logout(ctx context.Context) error {
	return c.call(ctx, http.MethodPost, "/api/auth/logout", nil, nil)
}

// LogoutAll ends every session of the account, this one included.
func (c *Client) LogoutAll(ctx context.Context) error {
	return c.call(ctx, http.MethodPost, "/api/auth/logout-all", nil, nil)
}

// Me returns the signed-in user; not_authenticated when nobody is.
func (c *Client) Me(ctx context.Context) (shared.User, error) {
	var resp shared.UserResponse
	err := c.call(ctx, http.MethodGet, "/api/me", nil, &resp)
	return resp.User, err
}

// UpdateProfile changes the signed-in user's display name.
func (c *Client) UpdateProfile(ctx context.Context, req shared.UpdateProfileRequest) (shared.User, error) {
	var resp shared.UserResponse
	err := c.call(ctx, http.MethodPatch, "/api/me", req, &resp)
	return resp.User, err
}

// ChangePassword replaces the password; the server signs out every other
// session and keeps this one. A wrong current password answers
// wrong_password.
func (c *Client) ChangePassword(ctx context.Context, req shared.ChangePasswordRequest) error {
	return c.call(ctx, http.MethodPost, "/api/me/password", req, nil)
}

// Sessions lists the signed-in user's sessions, newest first.
func (c *Client) Sessions(ctx context.Context) ([]shared.Session, error) {
	var resp shared.SessionsResponse
	err := c.call(ctx, http.MethodGet, "/api/me/sessions", nil, &resp)
	return resp.Sessions, err
}

// RevokeSession signs out one of the user's sessions.
func (c *Client) RevokeSession(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, "/api/me/sessions/"+url.PathEscape(id), nil, nil)
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
	err := c.call(ctx, http.MethodGet, "/api/admin/users?"+q.Encode(), nil, &resp)
	return resp, err
}

// UpdateUser changes a user as an admin. Non-staff get forbidden; only
// superusers may change IsStaff.
func (c *Client) UpdateUser(ctx context.Context, id string, req shared.AdminUpdateUserRequest) (shared.User, error) {
	var resp shared.UserResponse
	err := c.call(ctx, http.MethodPatch, "/api/admin/users/"+url.PathEscape(id), req, &resp)
	return resp.User, err
}

// ListNotes returns the signed-in user's notes, newest first.
func (c *Client) ListNotes(ctx context.Context) ([]shared.Note, error) {
	var resp shared.NotesResponse
	err := c.call(ctx, http.MethodGet, "/api/notes", nil, &resp)
	return resp.Notes, err
}

// CreateNote adds a note (201). Invalid fields answer validation_failed.
func (c *Client) CreateNote(ctx context.Context, req shared.CreateNoteRequest) (shared.Note, error) {
	var resp shared.NoteResponse
	err := c.call(ctx, http.MethodPost, "/api/notes", req, &resp)
	return resp.Note, err
}

// UpdateNote changes the fields of a note that req sets. A note that is
// not the user's, or no longer exists, answers not_found.
func (c *Client) UpdateNote(ctx context.Context, id string, req shared.UpdateNoteRequest) (shared.Note, error) {
	var resp shared.NoteResponse
	err := c.call(ctx, http.MethodPatch, "/api/notes/"+url.PathEscape(id), req, &resp)
	return resp.Note, err
}

// DeleteNote deletes a note (204); not_found as for UpdateNote.
func (c *Client) DeleteNote(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, "/api/notes/"+url.PathEscape(id), nil, nil)
}

// call sends an authenticated request. When the answer says the access
// token has lapsed it refreshes the session (once, shared with concurrent
// callers) and retries the request once.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	seen := c.refreshCount()
	err := c.send(ctx, method, path, in, out)
	if !c.worthRefreshing(err) {
		return err
	}
	switch rerr := c.refresh(ctx, seen); {
	case errors.Is(rerr, ErrUnreachable):
		return rerr
	case rerr != nil:
		return err // the session is over; the original 401 says so
	}
	return c.send(ctx, method, path, in, out)
}

// worthRefreshing reports whether err is a 401 a refresh may cure:
// token_expired always, and not_authenticated when a CSRF cookie is still
// present, which means a session exists but its access cookie has gone
// (browsers drop cookies at their Max-Age).
func (c *Client) worthRefreshing(err error) bool {
	var apiErr *shared.Error
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.Code == shared.CodeTokenExpired ||
		apiErr.Code == shared.CodeNotAuthenticated && c.csrfToken() != ""
}

// refreshCount is how many refreshes have succeeded so far.
func (c *Client) refreshCount() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refreshed
}

// refresh rotates the session's cookies. seen is the refresh count the
// caller observed before its request went out: if a refresh has succeeded
// since, the caller's request simply carried the old cookie, and it may
// retry at once without spending the new refresh token.
func (c *Client) refresh(ctx context.Context, seen uint64) error {
	c.mu.Lock()
	if c.refreshed != seen {
		c.mu.Unlock()
		return nil
	}
	call := c.refreshing
	if call == nil {
		call = &refreshCall{done: make(chan struct{})}
		c.refreshing = call
		// The refresh outlives a caller that gives up: the others may
		// still be waiting for it, and the cookies it sets are needed.
		go c.runRefresh(context.WithoutCancel(ctx), call)
	}
	c.mu.Unlock()

	select {
	case <-call.done:
		return call.err
	case <-ctx.Done():
		return fmt.Errorf("%w: %v", ErrUnreachable, ctx.Err())
	}
}

func (c *Client) runRefresh(ctx context.Context, call *refreshCall) {
	call.err = c.send(ctx, http.MethodPost, "/api/auth/refresh", nil, nil)
	c.mu.Lock()
	if call.err == nil {
		c.refreshed++
	}
	c.refreshing = nil
	c.mu.Unlock()
	close(call.done)
}

// send makes one request and decodes its answer into out (unless out is
// nil) or into an error.
func (c *Client) send(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("building %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet && method != http.MethodHead {
		if token := c.csrfToken(); token != "" {
			req.Header.Set(shared.CSRFHeader, token)
		}
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, shared.MaxBodyBytes))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}

	if resp.StatusCode >= 400 {
		return decodeError(resp.StatusCode, resp.Header, data)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &shared.Error{Code: shared.CodeInternal, Message: "The server's answer could not be read. Try again."}
	}
	return nil
}

// decodeError turns an error response into an *shared.Error. Answers that
// are not the API's JSON (a proxy's error page, a crash) get a code from
// their status and a message a person can act on.
func decodeError(status int, header http.Header, data []byte) *shared.Error {
	var body shared.ErrorBody
	if err := json.Unmarshal(data, &body); err != nil || body.Error == nil || body.Error.Code == "" {
		body.Error = fallbackError(status)
	}
	if body.Error.Code == shared.CodeRateLimited {
		body.Error.Message = rateLimitMessage(header.Get("Retry-After"))
	}
	return body.Error
}

func fallbackError(status int) *shared.Error {
	switch {
	case status == http.StatusUnauthorized:
		return shared.NewError(shared.CodeNotAuthenticated, "Please log in.")
	case status == http.StatusForbidden:
		return shared.NewError(shared.CodeForbidden, "You do not have access to this.")
	case status == http.StatusNotFound:
		return shared.NewError(shared.CodeNotFound, "That could not be found.")
	case status == http.StatusTooManyRequests:
		return shared.NewError(shared.CodeRateLimited, "")
	case status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
		return shared.NewError(shared.CodeUnavailable, "The service is unavailable right now. Try again in a moment.")
	default:
		return shared.NewError(shared.CodeInternal, "Something went wrong on our side. Try again in a moment.")
	}
}

// rateLimitMessage says how long to wait, rounded up to whole minutes,
// from a Retry-After header given in seconds (RFC 9110 §10.2.3).
func rateLimitMessage(retryAfter string) string {
	secs, err := strconv.Atoi(strings.TrimSpace(retryAfter))
	if err != nil || secs <= 0 {
		return "Too many attempts. Try again in a few minutes."
	}
	minutes := (secs + 59) / 60
	if minutes == 1 {
		return "Too many attempts. Try again in 1 minute."
	}
	return fmt.Sprintf("Too many attempts. Try again in %d minutes.", minutes)
}

// documentCSRFToken reads the CSRF cookie the server left readable for
// this purpose. Outside the browser there is no document and no token.
func documentCSRFToken() string {
	if app.IsServer {
		return ""
	}
	doc := app.Window().Get("document")
	if !doc.Truthy() {
		return ""
	}
	return csrfFromCookies(doc.Get("cookie").String())
}

// csrfFromCookies picks the CSRF token out of a document.cookie string.
// The __Host- name wins over the plain one (--insecure-cookies), so a
// plain cookie planted by a sibling subdomain cannot shadow the real one.
func csrfFromCookies(cookies string) string {
	var plain string
	for part := range strings.SplitSeq(cookies, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch name {
		case shared.HostCookiePrefix + shared.CSRFCookie:
			return value
		case shared.CSRFCookie:
			plain = value
		}
	}
	return plain
}

// isSignedOut reports whether err means there is no usable session, so
// the page should send the visitor to the login form.
func isSignedOut(err error) bool {
	var apiErr *shared.Error
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.Code {
	case shared.CodeNotAuthenticated, shared.CodeTokenExpired, shared.CodeInvalidToken:
		return true
	}
	return false
}

// hasCode reports whether err is an API error with the given code.
func hasCode(err error, code shared.Code) bool {
	var apiErr *shared.Error
	return errors.As(err, &apiErr) && apiErr.Code == code
}
