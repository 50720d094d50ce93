package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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
// methods (api.go) and render what comes back; a module's client calls are
// functions over Call, the same authenticated request.
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
	sender    Sender
	csrfToken func() string

	// The refresh single-flight. Refresh tokens rotate and a reused one
	// revokes the whole session (RFC 9700 §4.14.2), so two requests that
	// find the access token expired at the same moment must share one
	// refresh rather than each spend the same refresh token.
	mu         sync.Mutex
	refreshing *refreshCall
	refreshed  uint64 // successful refreshes so far

	signedIn userCache // the signed-in user, shared by every page (api.go)
}

// Sender sends one request of the API and reads its answer whole: in the
// browser with fetch() (fetch_wasm.go), elsewhere with an *http.Client
// (HTTPSender). It has types of its own rather than net/http's because
// those refer to the TLS connection state, and through it X.509
// certificates and math/big: 600 KB of app.wasm that no page ever runs.
type Sender interface {
	Send(ctx context.Context, req *Request) (*Response, error)
}

// Request is one request of the API.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte // nil for none
}

// Response is the API's answer, its body read whole: the API's answers
// are small JSON documents (at most shared.MaxBodyBytes are read).
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// NewClient returns a client for the API at base ("" for the page's own
// origin), sending requests with sender and reading the CSRF token with
// csrfToken. Tests pass an httptest server's URL, HTTPSender of an
// *http.Client and a cookie jar reader.
func NewClient(base string, sender Sender, csrfToken func() string) *Client {
	return &Client{base: strings.TrimRight(base, "/"), sender: sender, csrfToken: csrfToken}
}

// NewBrowserClient returns the client the app uses in the browser: same
// origin, sent with fetch(), the CSRF token read from document.cookie.
func NewBrowserClient() *Client {
	return NewClient("", browserSender(), documentCSRFToken)
}

// Call sends an authenticated request to the API: in is encoded as the
// JSON body (nil for none) and the answer decoded into out (nil to ignore
// it). When the answer says the access token has lapsed it refreshes the
// session (once, shared with concurrent callers) and retries the request
// once. It returns nil, an *shared.Error or an error wrapping
// ErrUnreachable. Modules build their client calls on it.
func (c *Client) Call(ctx context.Context, method, path string, in, out any) error {
	err := c.callOnce(ctx, method, path, in, out)
	if isSignedOut(err) {
		// Whoever was signed in is not any more: the next page asks again.
		c.sessionOver()
	}
	return err
}

func (c *Client) callOnce(ctx context.Context, method, path string, in, out any) error {
	for races := 0; ; races++ {
		seen := c.refreshCount()
		err := c.send(ctx, method, path, in, out)
		if !c.worthRefreshing(err) {
			return err
		}
		rerr := c.refresh(ctx, seen)
		switch {
		case rerr == nil:
			return c.send(ctx, method, path, in, out)
		case errors.Is(rerr, ErrUnreachable) || refreshFailedInTransit(rerr):
			// Nobody has refused the session: the page says what went
			// wrong, and its retry refreshes again.
			return rerr
		case !c.lostARefreshRace(rerr) || races == maxRefreshRaces:
			return err // the session is over; the original 401 says so
		}
		// Another tab spent the refresh cookie a moment ago; its answer,
		// with the new cookies for the shared jar, may still be landing.
		select {
		case <-time.After(refreshRaceWait):
		case <-ctx.Done():
			return fmt.Errorf("%w: %v", ErrUnreachable, ctx.Err())
		}
	}
}

// send makes one request and decodes its answer into out (unless out is
// nil) or into an error.
func (c *Client) send(ctx context.Context, method, path string, in, out any) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req := &Request{Method: method, URL: c.base + path, Header: http.Header{}}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding %s %s: %w", method, path, err)
		}
		req.Body = b
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if method != http.MethodGet && method != http.MethodHead {
		if token := c.csrfToken(); token != "" {
			req.Header.Set(shared.CSRFHeader, token)
		}
	}

	resp, err := c.sender.Send(ctx, req)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	if resp.StatusCode >= 400 {
		return decodeError(resp.StatusCode, resp.Header, resp.Body)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return &shared.Error{Code: shared.CodeInternal, Message: "The server's answer could not be read. Try again."}
	}
	return nil
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
