package apitest

import (
	"net/http"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Password is the password Register gives every account: long enough for
// the kit's rules, and not on the common-passwords list.
const Password = "correct horse battery staple"

// Register creates an account through the API with Password; a browser is
// then logged in as it. It fails the test unless the API answers 201.
func (c *Client) Register(email, name string) shared.User {
	t := c.ts.t
	t.Helper()
	r := c.Do("POST", "/api/auth/register", shared.RegisterRequest{Email: email, Password: Password, Name: name})
	r.ExpectStatus(t, http.StatusCreated)
	var body shared.UserResponse
	r.Decode(t, &body)
	c.email = body.User.Email
	return body.User
}

// ConfirmEmail confirms the address of the account Register made, as its
// owner would (Server.ConfirmEmail): adding a credential needs it.
func (c *Client) ConfirmEmail() {
	c.ts.t.Helper()
	if c.email == "" {
		c.ts.t.Fatal("ConfirmEmail: this client registered no account")
	}
	c.ts.ConfirmEmail(c.email)
}

// Unconfirm marks a user's address unconfirmed in the database directly,
// as an account may be that got its credentials before they needed a
// confirmed address: what tests of the password reset's clean-up need.
func (ts *Server) Unconfirm(userID string) {
	ts.t.Helper()
	ts.changeUser(userID, "email_verified", func(u *store.User) { u.EmailVerified = false })
}

// Login sends a browser login and returns the answer, whatever it is.
func (c *Client) Login(email, password string) Response {
	c.ts.t.Helper()
	return c.Do("POST", "/api/auth/login", shared.LoginRequest{Email: email, Password: password})
}

// Tokens obtains a token pair through the token flow, failing the test
// unless it gets one.
func (ts *Server) Tokens(email, password string) shared.TokenPair {
	ts.t.Helper()
	r := ts.TokenClient().Do("POST", "/api/token", shared.LoginRequest{Email: email, Password: password})
	r.ExpectStatus(ts.t, http.StatusOK)
	var pair shared.TokenPair
	r.Decode(ts.t, &pair)
	if pair.Access == "" || pair.Refresh == "" {
		ts.t.Fatalf("empty token pair: %s", r.Body)
	}
	return pair
}

// Bearer is the Authorization header of an access token, as Do's extra
// headers: c.Do("GET", "/api/me", nil, apitest.Bearer(pair.Access)...).
func Bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// MakeStaff grants staff (and optionally superuser) rights in the
// database, as `authkit createsuperuser` or another admin would; the API
// has no way to make the first one.
func (ts *Server) MakeStaff(userID string, superuser bool) {
	ts.t.Helper()
	ctx := ts.t.Context()
	u, err := ts.Store.UserByID(ctx, userID)
	if err != nil {
		ts.t.Fatal(err)
	}
	u.IsStaff, u.IsSuperuser = true, superuser
	if err := ts.Store.UpdateUser(ctx, u, "is_staff", "is_superuser"); err != nil {
		ts.t.Fatal(err)
	}
}

// SetActive changes a user in the database directly, as another process
// (or instance) would, bypassing this server's caches: what tests of
// deactivation taking effect need.
func (ts *Server) SetActive(userID string, active bool) {
	ts.t.Helper()
	ts.changeUser(userID, "is_active", func(u *store.User) { u.IsActive = active })
}

// changeUser reads a user from the database, changes it and writes back
// column, bypassing this server's caches.
func (ts *Server) changeUser(userID, column string, change func(*store.User)) {
	ts.t.Helper()
	ctx := ts.t.Context()
	u, err := ts.Store.UserByID(ctx, userID)
	if err != nil {
		ts.t.Fatal(err)
	}
	change(u)
	if err := ts.Store.UpdateUser(ctx, u, column); err != nil {
		ts.t.Fatal(err)
	}
}
