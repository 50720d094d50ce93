package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/authkit/authkit/shared"
)

// Client sends requests to a Server as one caller.
type Client struct {
	ts     *Server
	client *http.Client
	noCSRF bool
	email  string // the account's address, once Register made it
}

// Browser returns a new browser: a cookie jar, and the X-CSRF-Token header
// copied from the csrf cookie on every request but GET, as the web app
// does.
func (ts *Server) Browser() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{ts: ts, client: &http.Client{Transport: ts.srv.Client().Transport, Jar: jar}}
}

// On returns the same browser sending to another instance (SecondInstance),
// as a load balancer would: both keep one cookie jar, and cookies are kept
// per host, not per port, so every instance on 127.0.0.1 gets them.
func (c *Client) On(ts *Server) *Client {
	on := *c
	on.ts = ts
	on.client = &http.Client{Transport: ts.srv.Client().Transport, Jar: c.client.Jar}
	return &on
}

// TokenClient returns a client without cookies, for the token flow (it
// authenticates with Bearer headers) and for requests that need no
// account.
func (ts *Server) TokenClient() *Client {
	return &Client{ts: ts, client: ts.srv.Client(), noCSRF: true}
}

// HTTPClient returns a bare client of the server (it trusts the test
// certificate), for requests the Client helpers do not make: one that
// must not follow redirects whatever its method, say. It is shared:
// change a copy.
func (ts *Server) HTTPClient() *http.Client { return ts.srv.Client() }

// Response is an answer, read in full.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode reads the JSON body into v, failing t when it does not fit.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}

// ErrorBody returns the kit's JSON error, failing t when there is none.
func (r Response) ErrorBody(t testing.TB) *shared.Error {
	t.Helper()
	var body shared.ErrorBody
	r.Decode(t, &body)
	if body.Error == nil {
		t.Fatalf("no error in body %s", r.Body)
	}
	return body.Error
}

// ExpectError checks the status and code of an error response, and that it
// has a message for people, and returns the error for further checks
// (its fields).
func (r Response) ExpectError(t testing.TB, status int, code shared.Code) *shared.Error {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	e := r.ErrorBody(t)
	if e.Code != code {
		t.Fatalf("code = %q, want %q; body %s", e.Code, code, r.Body)
	}
	if e.Message == "" {
		t.Fatalf("empty message in %s", r.Body)
	}
	return e
}

// ExpectStatus checks the status.
func (r Response) ExpectStatus(t testing.TB, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
}

// Do sends a request to the path (which starts with /). body may be nil, a
// string or []byte (sent raw as JSON, to test malformed input) or a value
// (sent as JSON). Extra headers come as name, value pairs; an empty value
// removes the header, such as the CSRF header a browser would add.
// A failure to reach the server fails the server's test.
func (c *Client) Do(method, path string, body any, headers ...string) Response {
	t := c.ts.t
	t.Helper()
	var rd io.Reader
	contentType := ""
	switch v := body.(type) {
	case nil:
	case string:
		rd, contentType = strings.NewReader(v), "application/json"
	case []byte:
		rd, contentType = bytes.NewReader(v), "application/json"
	default:
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		rd, contentType = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, c.ts.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if !c.noCSRF && method != http.MethodGet {
		if v := c.Cookie(shared.HostCookiePrefix + shared.CSRFCookie); v != "" {
			req.Header.Set(shared.CSRFHeader, v)
		}
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// Visit is a browser's navigation to a URL (a path of the server, or any
// absolute URL, such as a test sign-in provider's): a GET with the
// client's cookies that does not follow redirects, so a test walks a
// redirect flow one hop at a time (Location) and can tamper with a hop.
// Extra headers come as name, value pairs, as for Do.
func (c *Client) Visit(rawURL string, headers ...string) Response {
	t := c.ts.t
	t.Helper()
	if strings.HasPrefix(rawURL, "/") {
		rawURL = c.ts.URL + rawURL
	}
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	hc := *c.client
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// Cookie returns the value of a cookie the jar would send to the API
// (including the refresh cookie, which is scoped to its own path), or "".
func (c *Client) Cookie(name string) string {
	if c.client.Jar == nil {
		return ""
	}
	for _, path := range []string{"/api/auth/refresh", "/"} {
		u, err := url.Parse(c.ts.URL + path)
		if err != nil {
			c.ts.t.Fatal(err)
		}
		for _, ck := range c.client.Jar.Cookies(u) {
			if ck.Name == name {
				return ck.Value
			}
		}
	}
	return ""
}

// Activity returns the caller's security events, newest first: GET
// /api/me/activity (the account module's route; mount it) with query
// appended ("?limit=5"), failing the test unless it answers 200.
func (c *Client) Activity(query string) []shared.SecurityEvent {
	c.ts.t.Helper()
	r := c.Do("GET", "/api/me/activity"+query, nil)
	r.ExpectStatus(c.ts.t, http.StatusOK)
	var resp shared.ActivityResponse
	r.Decode(c.ts.t, &resp)
	return resp.Events
}

// EventTypes lists the events' types, in their order.
func EventTypes(events []shared.SecurityEvent) []shared.EventType {
	var out []shared.EventType
	for _, e := range events {
		out = append(out, e.Type)
	}
	return out
}
