package main

// The API calls the scenarios and tests make, over httpConn. Cookie names
// are the plain ones of --insecure-cookies.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/authkit/authkit/shared"
)

// account is a test user and the newest tokens of one of its sessions.
type account struct {
	Email    string
	Password string
	Access   string
	Refresh  string
}

// statusError is an answer other than the one expected.
type statusError struct {
	Status int
	Code   shared.Code // from the JSON error body, if any
}

func (e *statusError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("HTTP %d %s", e.Status, e.Code)
	}
	return fmt.Sprintf("HTTP %d", e.Status)
}

// call makes a request and turns an answer with another status than want
// into a *statusError.
func call(c *httpConn, want int, method, path string, body []byte, headers ...header) (response, error) {
	resp, err := c.Do(method, path, body, headers...)
	if err != nil {
		return resp, err
	}
	if resp.Status != want {
		var body shared.ErrorBody
		se := &statusError{Status: resp.Status}
		if json.Unmarshal(resp.Body, &body) == nil && body.Error != nil {
			se.Code = body.Error.Code
		}
		return resp, se
	}
	return resp, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// sessionCookies takes the access and refresh tokens from the Set-Cookie
// headers of a register, login or refresh answer.
func sessionCookies(h http.Header) (access, refresh string) {
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			continue
		}
		switch c.Name {
		case shared.AccessCookie:
			access = c.Value
		case shared.RefreshCookie:
			refresh = c.Value
		}
	}
	return access, refresh
}

// register creates a.Email with a.Password (POST /api/auth/register) and
// keeps the new session's tokens in a.
func register(c *httpConn, a *account) error {
	body := mustJSON(shared.RegisterRequest{Email: a.Email, Password: a.Password, Name: "Bench User"})
	resp, err := call(c, http.StatusCreated, http.MethodPost, "/api/auth/register", body)
	if err != nil {
		return err
	}
	return a.takeCookies(resp)
}

// login starts a new session for a (POST /api/auth/login) and keeps its
// tokens in a.
func login(c *httpConn, a *account) error {
	body := mustJSON(shared.LoginRequest{Email: a.Email, Password: a.Password})
	resp, err := call(c, http.StatusOK, http.MethodPost, "/api/auth/login", body)
	if err != nil {
		return err
	}
	return a.takeCookies(resp)
}

func (a *account) takeCookies(resp response) error {
	access, refresh := sessionCookies(resp.Header)
	if access == "" || refresh == "" {
		return fmt.Errorf("HTTP %d without session cookies", resp.Status)
	}
	a.Access, a.Refresh = access, refresh
	return nil
}

// refresh spends a.Refresh (POST /api/token/refresh, the token flow) and
// keeps the new pair in a.
func refresh(c *httpConn, a *account) error {
	pair, err := refreshWith(c, a.Refresh)
	if err != nil {
		return err
	}
	a.Access, a.Refresh = pair.Access, pair.Refresh
	return nil
}

// refreshWith spends one refresh token and returns the new pair.
func refreshWith(c *httpConn, token string) (shared.TokenPair, error) {
	var pair shared.TokenPair
	resp, err := call(c, http.StatusOK, http.MethodPost, "/api/token/refresh", mustJSON(shared.RefreshRequest{Refresh: token}))
	if err != nil {
		return pair, err
	}
	if err := json.Unmarshal(resp.Body, &pair); err != nil || pair.Access == "" || pair.Refresh == "" {
		return pair, fmt.Errorf("refresh answered %q", resp.Body)
	}
	return pair, nil
}

// credential is how a client presents its access token.
type credential int

const (
	byCookie credential = iota
	byBearer
)

func (cr credential) header(access string) header {
	if cr == byBearer {
		return header{"Authorization", "Bearer " + access}
	}
	return header{"Cookie", shared.AccessCookie + "=" + access}
}

// me reads the caller's account (GET /api/me).
func me(c *httpConn, a *account, cr credential) error {
	resp, err := call(c, http.StatusOK, http.MethodGet, "/api/me", nil, cr.header(a.Access))
	if err != nil {
		return err
	}
	if !bytes.Contains(resp.Body, []byte(a.Email)) {
		return fmt.Errorf("GET /api/me answered %q", resp.Body)
	}
	return nil
}

// verify checks a's access token (POST /api/token/verify).
func verify(c *httpConn, a *account) error {
	_, err := call(c, http.StatusOK, http.MethodPost, "/api/token/verify", mustJSON(shared.VerifyRequest{Token: a.Access}))
	return err
}
