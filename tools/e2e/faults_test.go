package e2e

import (
	"net/url"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/authkit/authkit/shared"
)

// Faults between the app and the server, played with Chromium's Fetch
// domain: the browser holds each API request that matches, and the test
// answers it in the server's place (a proxy's HTML error page, a rate
// limit) or lets it through.

// fault is the answer given in the server's place.
type fault struct {
	status  int
	headers map[string]string
	body    string
	// gate, when set, holds the answer until it is closed (hold).
	gate <-chan struct{}
}

// proxyErrorPage is what a reverse proxy answers when authkit is down:
// HTML, not the API's JSON.
var proxyErrorPage = fault{
	status:  502,
	headers: map[string]string{"Content-Type": "text/html"},
	body:    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
}

// interceptor answers the browser's requests to some API paths itself.
type interceptor struct {
	mu     sync.Mutex
	faults map[string]fault // by "METHOD /path"; absent: let through
	seen   map[string]int   // requests held so far, by "METHOD /path"
}

// intercept holds the browser's requests to /api/ from now on; each
// goes to the server unless the test has set a fault for it.
func (b *browser) intercept() *interceptor {
	b.t.Helper()
	in := &interceptor{faults: map[string]fault{}, seen: map[string]int{}}
	// go-app's service worker makes the page's requests itself, out of
	// the page's Fetch domain: the page bypasses it while held.
	if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{}); err != nil {
		b.t.Fatalf("%s: Network.enable: %v", b.name, err)
	}
	if _, err := chromedp.Call(b.ctx, network.SetBypassServiceWorker, network.SetBypassServiceWorkerParams{Bypass: true}); err != nil {
		b.t.Fatalf("%s: Network.setBypassServiceWorker: %v", b.name, err)
	}
	events := chromedp.Events(b.ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(b.ctx, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: b.base + "/api/*"}},
	}); err != nil {
		b.t.Fatalf("%s: Fetch.enable: %v", b.name, err)
	}
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			key := ev.Request.Method + " " + pathOf(ev.Request.URL)
			in.mu.Lock()
			f, ok := in.faults[key]
			in.seen[key]++
			in.mu.Unlock()
			if !ok {
				_, _ = chromedp.Call(b.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			if f.gate == nil {
				b.fulfill(ev.RequestID, f)
				continue
			}
			go func() {
				select {
				case <-f.gate:
					b.fulfill(ev.RequestID, f)
				case <-b.ctx.Done():
				}
			}()
		}
	}()
	return in
}

// fulfill answers the held request id with f.
func (b *browser) fulfill(id fetch.RequestID, f fault) {
	var headers []*fetch.HeaderEntry
	for name, value := range f.headers {
		headers = append(headers, &fetch.HeaderEntry{Name: name, Value: value})
	}
	_, _ = chromedp.Call(b.ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
		RequestID: id, ResponseCode: int64(f.status), ResponseHeaders: headers, Body: []byte(f.body),
	})
}

// set answers requests to key ("POST /api/auth/refresh") with f.
func (in *interceptor) set(key string, f fault) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.faults[key] = f
}

// hold answers requests to key with f, as set does, but only once the
// test calls release: until then the page shows that it waits (a spinner
// in place of the button that sent the request), which a quick answer
// could let it skip.
func (in *interceptor) hold(key string, f fault) (release func()) {
	gate := make(chan struct{})
	f.gate = gate
	in.set(key, f)
	var once sync.Once
	return func() { once.Do(func() { close(gate) }) }
}

// clear lets requests to key through again.
func (in *interceptor) clear(key string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	delete(in.faults, key)
}

// count is how many requests to key the browser has made since intercept.
func (in *interceptor) count(key string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.seen[key]
}

func pathOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	return u.Path
}

// dropAccessCookie deletes the access cookie, as the browser does once
// it lapses: the next call finds no access token, and the app refreshes
// the session with the refresh cookie, which stays.
func (b *browser) dropAccessCookie() {
	b.t.Helper()
	for _, name := range []string{shared.AccessCookie, shared.HostCookiePrefix + shared.AccessCookie} {
		if _, err := chromedp.Call(b.ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: name, URL: b.base + "/"}); err != nil {
			b.t.Fatalf("%s: deleting the access cookie: %v", b.name, err)
		}
	}
}

// TestBrowser_AProxyErrorOnRefreshIsNotTheEndOfTheSession: the access
// token has lapsed and the refresh meets a proxy's 502 page (authkit is
// restarting). The session is not over, so the page says the service is
// unavailable and offers Try again, rather than sending the person to the
// login form told that their session has ended; once the server is back,
// Try again refreshes and loads the page.
func TestBrowser_AProxyErrorOnRefreshIsNotTheEndOfTheSession(t *testing.T) {
	s := startServer(t)
	dora := newBrowser(t, s, "dora")
	dora.signUp("Dora Writer", "dora@example.com", "dora's long passphrase")
	in := dora.intercept()
	in.set("POST /api/auth/refresh", proxyErrorPage)
	dora.dropAccessCookie()

	dora.click(`.site-nav a[href="/notes"]`)
	dora.poll("the page answers", `location.pathname !== "/notes" || !!document.querySelector(".notice.error")`)
	if path := eval[string](dora, `location.pathname + location.search`); path != "/notes" {
		t.Fatalf("a 502 on the refresh led to %s", path)
	}
	dora.waitText(`.notice.error[role="alert"]`, "The service is unavailable right now. Try again in a moment.")
	// One refresh per request the page made (the account, then its
	// notes, if the first refresh was over before the second request
	// found no access token): never a loop.
	if n := in.count("POST /api/auth/refresh"); n < 1 || n > 2 {
		t.Errorf("the app sent %d refreshes, want 1 or 2", n)
	}

	in.clear("POST /api/auth/refresh")
	dora.click("#retry")
	dora.waitText("#no-notes", "No notes yet")
	dora.checkConsole()
}
