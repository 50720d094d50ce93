package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/authkit/authkit/shared"
)

// The harness: the real authkit binary on a loopback port with its own
// SQLite file, and headless Chromium processes, each with a fresh profile,
// standing in for people on their own devices.

const chromiumPath = "/usr/bin/chromium"

// The browser window: a laptop screen. checkNarrow also tries a phone's.
const windowWidth, windowHeight = 1280, 900

// accessTTL is short, so a test can outlive an access token and watch the
// app refresh it silently.
const accessTTL = 3 * time.Second

// server is a running authkit.
type server struct {
	bin  string
	db   string
	url  string
	log  *syncBuffer
	stop func() // stops the server; safe to call more than once
}

// startServer runs AUTHKIT_BIN (skipping the test without it) until the
// test ends, with extra flags for serve if given.
func startServer(t *testing.T, extra ...string) *server {
	t.Helper()
	return startServerOn(t, false, extra...)
}

// startLocalhostServer is startServer serving the app as
// http://localhost:port rather than http://127.0.0.1:port: WebAuthn
// refuses an IP address as the relying party's id, so passkey tests need
// a host name (browsers treat localhost as a secure context, as HTTPS).
func startLocalhostServer(t *testing.T, extra ...string) *server {
	t.Helper()
	return startServerOn(t, true, extra...)
}

func startServerOn(t *testing.T, localhost bool, extra ...string) *server {
	t.Helper()
	bin := os.Getenv("AUTHKIT_BIN")
	if bin == "" {
		t.Skip("AUTHKIT_BIN is not set; build with `make build` and run with AUTHKIT_BIN=$PWD/bin/authkit")
	}
	s := &server{bin: bin, db: filepath.Join(t.TempDir(), "authkit.db"), log: &syncBuffer{}}
	addr := freeAddr(t)
	s.url = "http://" + addr
	if localhost {
		s.url = "http://localhost:" + addr[strings.LastIndexByte(addr, ':')+1:]
	}

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append([]string{"serve",
		"--addr", addr,
		"--db", s.db,
		"--access-ttl", accessTTL.String(),
		"--login-throttle", "0",
		"--register-throttle", "0",
		"--public-url", s.url,
	}, extra...)...)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting %s: %v", bin, err)
	}
	s.stop = sync.OnceFunc(func() {
		cancel()
		_ = cmd.Wait()
	})
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("server log:\n%s", s.log.String())
		}
	})
	s.waitHealthy(t)
	return s
}

func (s *server) waitHealthy(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server at %s never became healthy; log:\n%s", s.url, s.log.String())
}

// register creates an account through the API, for a person who needs
// no browser of their own.
func (s *server) register(t *testing.T, name, email, password string) {
	t.Helper()
	body, _ := json.Marshal(shared.RegisterRequest{Name: name, Email: email, Password: password})
	resp, err := http.Post(s.url+"/api/auth/register", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("registering %s: status %d", email, resp.StatusCode)
	}
}

// createSuperuser runs `authkit createsuperuser` against the server's
// database, giving the password on stdin as a person would.
func (s *server) createSuperuser(t *testing.T, email, name, password string) {
	t.Helper()
	cmd := exec.Command(s.bin, "createsuperuser", "--email", email, "--name", name, "--db", s.db)
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("createsuperuser: %v\n%s", err, out)
	}
}

// mailedLink waits for the server to "send" (without --smtp-url, log) a
// mail to email with a link to path, and returns the link's path and
// query.
func (s *server) mailedLink(t *testing.T, email, path string) string {
	t.Helper()
	link := regexp.MustCompile(regexp.QuoteMeta(s.url+path) + `\?token=[A-Za-z0-9_%.~-]+`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var found string
		for line := range strings.Lines(s.log.String()) {
			if strings.Contains(line, "to="+email) {
				if m := link.FindString(line); m != "" {
					found = m // the newest mail wins
				}
			}
		}
		if found != "" {
			return strings.TrimPrefix(found, s.url)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no mail to %s with a link to %s; log:\n%s", email, path, s.log.String())
	return ""
}

// confirmEmail confirms email's address with the link the server mailed
// to it, as its owner would, but posting the link's token straight to the
// API rather than in a browser tab: adding a credential needs a confirmed
// address, and the tests that add one keep their browser on the page
// they are on (TestBrowser_EmailLinks follows the link in the browser).
func (s *server) confirmEmail(t *testing.T, email string) {
	t.Helper()
	link, err := url.Parse(s.mailedLink(t, email, "/verify-email"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(shared.VerifyEmailRequest{Token: link.Query().Get("token")})
	resp, err := http.Post(s.url+"/api/auth/verify-email", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("confirming %s: status %d", email, resp.StatusCode)
	}
}

// confirmEmail confirms the signed-in user's address (s.confirmEmail) and
// reloads the page, which then shows the controls that need it.
func (b *browser) confirmEmail(s *server, email string) {
	b.t.Helper()
	s.confirmEmail(b.t, email)
	b.reload()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// browser is one person's Chromium, with its own profile directory: its
// own cookies, storage and service worker.
type browser struct {
	t    *testing.T
	name string
	base string
	ctx  context.Context

	mu       sync.Mutex
	problems []string // console errors and exceptions
}

// newBrowser starts Chromium for a person called name. Without Chromium
// the test is skipped, or fails when CI=true.
func newBrowser(t *testing.T, s *server, name string) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: install it with `apt-get install -y chromium`", chromiumPath)
		}
		t.Skipf("%s is missing (apt-get install -y chromium); skipping the browser tests", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(windowWidth, windowHeight),
	)
	var (
		ctx                                       context.Context
		cancelAlloc, cancelBrowser, cancelTimeout context.CancelFunc
	)
	// Start the browser now, so a missing library fails here, plainly.
	// One more try: on a busy machine Chromium now and then exits before
	// it is listening, which says nothing of the page under test.
	for try := 1; ; try++ {
		var allocCtx context.Context
		allocCtx, cancelAlloc = chromedp.NewExecAllocator(context.Background(), append(opts, chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium-"+name)))...)
		ctx, cancelBrowser = chromedp.NewContext(allocCtx)
		// A bound on one person's whole walk, so a hung page fails the
		// test instead of CI's timeout; generous, since walks that check
		// every page with axe-core take a while on a busy 2-core machine.
		ctx, cancelTimeout = context.WithTimeout(ctx, 3*time.Minute)
		err := chromedp.Do(ctx)
		if err == nil {
			break
		}
		cancelTimeout()
		cancelBrowser()
		cancelAlloc()
		if try == 2 {
			t.Fatalf("starting Chromium for %s: %v", name, err)
		}
		t.Logf("starting Chromium for %s failed once, trying again: %v", name, err)
	}
	b := &browser{t: t, name: name, base: s.url, ctx: ctx}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.mu.Lock()
				b.problems = append(b.problems, m.String())
				b.mu.Unlock()
			}
		}
	}()

	t.Cleanup(func() {
		if t.Failed() {
			b.screenshot("FAILED")
			b.mu.Lock()
			for _, p := range b.problems {
				t.Logf("%s's console: %s", name, p)
			}
			b.mu.Unlock()
		}
		cancelTimeout()
		cancelBrowser()
		cancelAlloc()
	})
	return b
}

// do runs actions, failing the test (with where it stood) on error.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %s: %v (at %s)", b.name, what, err, b.location())
	}
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown location"
	}
	return loc
}

// open loads path and waits until the app runs: until then the page is
// go-app's prerendered HTML, with no event handlers.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
	b.waitApp()
}

func (b *browser) reload() {
	b.t.Helper()
	b.do("reload", chromedp.Reload())
	b.waitApp()
}

func (b *browser) waitApp() {
	b.t.Helper()
	b.do("wait for the app to load", chromedp.WaitNotPresent(chromedp.ID("app-wasm-loader")))
}

// waitPath waits until the page's path (and query, when want has one) is
// want.
func (b *browser) waitPath(want string) {
	b.t.Helper()
	expr := fmt.Sprintf(`location.pathname + location.search === %q`, want)
	if !strings.Contains(want, "?") {
		expr = fmt.Sprintf(`location.pathname === %q`, want)
	}
	b.poll("reach "+want, expr)
}

// signIn sends the login form, on the page it is on.
func (b *browser) signIn(email, password string) {
	b.t.Helper()
	b.fill("email", email)
	b.fill("password", password)
	b.click("#login-form button[type=submit]")
}

// openAdmin opens a browser signed in as the staff account email, on the
// admin page once its users table shows listed.
func (s *server) openAdmin(t *testing.T, email, password, listed string) *browser {
	t.Helper()
	b := newBrowser(t, s, strings.Split(email, "@")[0])
	b.open("/login?next=/admin")
	b.signIn(email, password)
	b.waitPath("/admin")
	b.waitText("#users", listed)
	return b
}

// signUp creates an account from the sign-up form and waits for the
// profile it leads to.
func (b *browser) signUp(name, email, password string) {
	b.t.Helper()
	b.open("/register")
	b.fill("name", name)
	b.fill("email", email)
	b.fill("password", password)
	b.click("#register-form button[type=submit]")
	b.waitPath("/profile")
	b.waitText("#account-email", email)
}

// checkTokenLeftTheAddress checks that the page at path has removed the
// mailed token from the address bar once it read it.
func (b *browser) checkTokenLeftTheAddress(path string) {
	b.t.Helper()
	b.poll("the token leaves the address", fmt.Sprintf(
		`location.pathname === %q && !new URLSearchParams(location.search).has("token")`, path))
}

// eventuallySignedOut opens path until the app sends the browser to the
// login form. The server may honour an access token it has already issued
// for a moment after its session ends, so this retries for a while.
func (b *browser) eventuallySignedOut(path string) {
	b.t.Helper()
	deadline := time.Now().Add(accessTTL + 5*time.Second)
	for {
		b.open(path)
		b.poll("load or redirect", `location.pathname === "/login" || !!document.querySelector("#account-email, #users")`)
		if eval[string](b, "location.pathname") == "/login" {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: still signed in at %s", b.name, path)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// poll waits until the JavaScript expression is true.
func (b *browser) poll(what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		b.t.Fatalf("%s: %s: %v (at %s)", b.name, what, err, b.location())
	}
}

// eval returns the value of a JavaScript expression.
func eval[T any](b *browser, expr string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		b.t.Fatalf("%s: evaluating %s: %v", b.name, expr, err)
	}
	return v
}

// fill replaces the value of the input with id by typing value, so the
// app sees the same input events a person's keystrokes make.
func (b *browser) fill(id, value string) {
	b.t.Helper()
	b.do("fill "+id,
		chromedp.WaitVisible(chromedp.ID(id)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
			`(() => { const el = document.getElementById(%q); el.value = ""; el.dispatchEvent(new Event("input", {bubbles: true})); })()`, id)),
		chromedp.SendKeys(chromedp.ID(id), value),
	)
}

func (b *browser) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// pressEnter gives the element sel keyboard focus and presses Enter on
// it, as a keyboard user does.
func (b *browser) pressEnter(sel string) {
	b.t.Helper()
	b.do("press Enter on "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent(kb.Enter))
}

// waitUsable waits until the button sel is neither disabled nor
// aria-disabled: its request is over.
func (b *browser) waitUsable(sel string) {
	b.t.Helper()
	b.poll(sel+" is usable again", fmt.Sprintf(
		`(() => { const el = document.querySelector(%q); return !!el && !el.disabled && el.getAttribute("aria-disabled") !== "true"; })()`, sel))
}

// pressEscape presses Escape where focus is, as a person closing a
// dialog would.
func (b *browser) pressEscape() {
	b.t.Helper()
	b.do("press Escape", chromedp.KeyEvent(kb.Escape))
}

// checkFocus fails the test unless the element sel has keyboard focus.
func (b *browser) checkFocus(what, sel string) {
	b.t.Helper()
	if !eval[bool](b, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel)) {
		b.t.Errorf("%s: %s: focus is on %s, want %s", b.name, what,
			eval[string](b, `document.activeElement.tagName.toLowerCase() + (document.activeElement.id ? "#" + document.activeElement.id : "")`), sel)
	}
}

// text waits for the element and returns its text.
func (b *browser) text(sel string) string {
	b.t.Helper()
	b.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("%s: text of %s: %v", b.name, sel, err)
	}
	return strings.TrimSpace(s)
}

// waitText waits until the element's text contains want.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	b.poll(fmt.Sprintf("see %q in %s", want, sel), fmt.Sprintf(
		`(() => { const el = document.querySelector(%q); return !!el && el.textContent.includes(%q); })()`, sel, want))
}

// requestsTo counts the requests the page has made to path.
func (b *browser) requestsTo(path string) int {
	b.t.Helper()
	return eval[int](b, fmt.Sprintf(
		`performance.getEntriesByType("resource").filter(e => new URL(e.name).pathname === %q).length`, path))
}

// checkConsole fails the test on errors in the page's console, such as a
// Content-Security-Policy violation. Failed API calls that the app
// expects (401 before a refresh, 400 for a bad form) are not errors the
// page logs, but Chromium reports failed requests; those are ignored.
func (b *browser) checkConsole() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		if strings.Contains(p, "Failed to load resource") {
			continue
		}
		b.t.Errorf("%s's console: %s", b.name, p)
	}
}

// screenshot saves the page under test-output/screenshots/.
func (b *browser) screenshot(step string) {
	dir := screenshotDir()
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("%s: screenshot %s: %v", b.name, step, err)
		return
	}
	name := fileSafe(b.t.Name() + "-" + b.name + "-" + step)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Logf("saving screenshot: %v", err)
	}
}

// checkNarrow shows the page at a phone's 360px width: nothing may stick
// out sideways (wide tables scroll inside their own box), and the page is
// saved as step.
func (b *browser) checkNarrow(step string) {
	b.t.Helper()
	b.do("narrow the window", chromedp.EmulateViewport(360, 740))
	defer b.do("restore the window", chromedp.EmulateViewport(windowWidth, windowHeight))
	b.poll("lay out at 360px", `window.innerWidth === 360`)
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 360 {
		b.t.Errorf("%s: at 360px the page is %dpx wide", step, w)
	}
	b.screenshot(step)
}

var (
	screenshotDirOnce sync.Once
	screenshotDirPath string
)

// screenshotDir is test-output/screenshots at the repository root, the
// product module's directory above the tools module, created on first
// use; "" when it cannot be made.
func screenshotDir() string {
	screenshotDirOnce.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			return
		}
		tools, ok := moduleDir(wd)
		if !ok {
			return
		}
		root, ok := moduleDir(filepath.Dir(tools))
		if !ok {
			return
		}
		path := filepath.Join(root, "test-output", "screenshots")
		if os.MkdirAll(path, 0o755) == nil {
			screenshotDirPath = path
		}
	})
	return screenshotDirPath
}

// moduleDir returns the nearest directory at or above dir that holds a
// go.mod.
func moduleDir(dir string) (string, bool) {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func fileSafe(s string) string { return unsafeChars.ReplaceAllString(s, "_") }

// syncBuffer collects the server's output from its two pipes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
