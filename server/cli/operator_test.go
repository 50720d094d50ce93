package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/authkit/authkit/server/account"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/mail/mailtest"
	"github.com/authkit/authkit/server/sso"
	"github.com/authkit/authkit/server/sso/ssotest"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// serveOptions are what serveWith runs serve with.
type serveOptions struct {
	args    []string          // after serve --addr 127.0.0.1:0
	env     map[string]string // the AUTHKIT_* variables
	modules []httpapi.Module
}

// serveWith runs `authkit serve` in-process on a free port, as
// startServe does, with the given flags, environment and modules.
func serveWith(t *testing.T, o serveOptions) (base string, stop func() error, logs *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	logs = new(syncBuffer)
	var environ []string
	for k, v := range o.env {
		environ = append(environ, k+"="+v)
	}
	go func() {
		done <- Run(ctx, Env{
			Args:   append([]string{"serve", "--addr", "127.0.0.1:0"}, o.args...),
			Getenv: func(k string) string { return o.env[k] }, Environ: func() []string { return environ },
			Stdout: logs, Stderr: logs, Version: "test", Modules: o.modules,
			Ready: func(addr string) { ready <- addr },
		})
	}()
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-done:
		t.Fatalf("serve exited: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("no graceful shutdown")
			return nil
		}
	}
	t.Cleanup(func() { stop() })
	return base, stop, logs
}

// TestBadUsageIsOneLineAndExitStatus2: every value serve or an admin
// command cannot use as given is refused before anything is opened, with
// one line that names the flag, exit status 2, and no database created;
// never a panic, and never a quiet substitute (a zero pool that meant 10,
// an argon2 memory cut to 1 GiB, a heap floor that overflowed).
func TestBadUsageIsOneLineAndExitStatus2(t *testing.T) {
	modules := []httpapi.Module{&sso.Module{}}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unknown command", nil, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", nil, []string{"serve", "--emial", "x"}, "flag provided but not defined: -emial"},
		{"stray argument", nil, []string{"migrate", "extra"}, `unexpected argument "extra"`},
		{"version with an argument", nil, []string{"version", "--short"}, "flag provided but not defined: -short"},
		{"keys without a verb", nil, []string{"keys"}, "usage: authkit keys rotate|list"},
		{"keys with an unknown verb", nil, []string{"keys", "delete"}, "usage: authkit keys rotate|list"},
		{"a malformed duration", nil, []string{"serve", "--access-ttl", "soon"}, "invalid value"},
		{"a malformed variable", map[string]string{"AUTHKIT_ACCESS_TTL": "soon"}, []string{"serve"}, "AUTHKIT_ACCESS_TTL"},
		{"a zero pool", nil, []string{"serve", "--db-max-conns", "0"}, "--db-max-conns must be at least 1"},
		{"a negative pool", nil, []string{"migrate", "--db-max-conns", "-3"}, "--db-max-conns must be at least 1"},
		{"a zero pool from the environment", map[string]string{"AUTHKIT_DB_MAX_CONNS": "0"}, []string{"keys", "list"}, "--db-max-conns must be at least 1"},
		{"an empty database", nil, []string{"flush-expired", "--db", " "}, "--db must name"},
		{"an address without a port", nil, []string{"serve", "--addr", "nonsense"}, "--addr must be host:port"},
		{"a port out of range", nil, []string{"serve", "--addr", "127.0.0.1:99999"}, `--addr: "99999" is not a port`},
		{"a bad metrics address", nil, []string{"serve", "--metrics-addr", "9090"}, "--metrics-addr must be host:port"},
		{"metrics on the public listener", nil, []string{"serve", "--addr", "127.0.0.1:8181", "--metrics-addr", "127.0.0.1:8181"}, "--metrics-addr must differ from --addr"},
		{"a public URL without a scheme", nil, []string{"serve", "--public-url", "auth.example.com"}, "--public-url must be an http(s) URL"},
		{"a public URL with a path", nil, []string{"serve", "--public-url", "https://example.com/auth"}, "without a path, query or fragment"},
		{"a public URL with a query", nil, []string{"serve", "--public-url", "https://example.com?x=1"}, "without a path, query or fragment"},
		{"a public URL with a password", nil, []string{"serve", "--public-url", "https://u:p@example.com"}, "must not hold a user name or password"},
		{"a public URL without a host name", nil, []string{"serve", "--public-url", "http://:8080"}, "--public-url must be an http(s) URL"},
		{"a public URL with a port out of range", nil, []string{"serve", "--public-url", "https://auth.example.com:99999"}, "--public-url must be an http(s) URL"},
		{"an unknown log format", nil, []string{"serve", "--log-format", "xml"}, `--log-format must be text or json, not "xml"`},
		{"argon2 memory past the bound", nil, []string{"serve", "--argon2-memory", "5000"}, "--argon2-memory must be at most 1024"},
		{"argon2 passes past the bound", nil, []string{"serve", "--argon2-time", "17"}, "--argon2-time must be at most 16"},
		{"argon2 below OWASP", nil, []string{"serve", "--argon2-memory", "12", "--argon2-time", "2"}, "OWASP"},
		{"a heap floor that would overflow", nil, []string{"serve", "--heap-floor", "99999999999999"}, "--heap-floor must be at most"},
		{"a negative throttle", nil, []string{"serve", "--login-client-throttle", "-1"}, "--login-client-throttle must be 0 (off) or more"},
		{"a negative session cache", nil, []string{"serve", "--session-cache-ttl", "-1s"}, "--session-cache-ttl must be 0 (no cache) or more"},
		{"a negative access TTL", nil, []string{"serve", "--access-ttl", "-5m"}, "--access-ttl must be at least 1s"},
		{"refresh shorter than access", nil, []string{"serve", "--access-ttl", "10m", "--refresh-ttl", "5m"}, "--refresh-ttl must be longer"},
		{"a session max age within the access TTL", nil, []string{"serve", "--access-ttl", "10m", "--session-max-age", "5m"}, "--session-max-age must be 0 (no cap) or longer than --access-ttl"},
		{"a negative session max age", map[string]string{"AUTHKIT_SESSION_MAX_AGE": "-720h"}, []string{"serve"}, "--session-max-age must be 0 (no cap) or longer than --access-ttl"},
		{"a bad From address", nil, []string{"serve", "--mail-from", "not an address"}, "--mail-from must be an address"},
		{"a bad SMTP URL", nil, []string{"serve", "--smtp-url", "http://u:pw@mail.example.com"}, "--smtp-url must look like"},
		{"insecure cookies on https", nil, []string{"serve", "--insecure-cookies", "--public-url", "https://auth.example.com"}, "--insecure-cookies is for plain-http hosts"},
		{"a client secret alone", nil, []string{"serve", "--oidc-client-secret", "s"}, "--oidc-client-secret needs --oidc-issuer"},
		{"a provider half configured", nil, []string{"serve", "--oidc-issuer", "https://sso.example.com"}, "--oidc-issuer and --oidc-client-id go together"},
		{"a malformed key encryption key", map[string]string{"AUTHKIT_KEY_ENCRYPTION_KEY": "too-short-to-be-a-key"}, []string{"serve"}, "AUTHKIT_KEY_ENCRYPTION_KEY: the key encryption key must be 32 bytes"},
		{"a malformed key encryption key for keys rotate", map[string]string{"AUTHKIT_KEY_ENCRYPTION_KEY": "too-short-to-be-a-key"}, []string{"keys", "rotate"}, "AUTHKIT_KEY_ENCRYPTION_KEY"},
		{"keys with a zero access TTL", nil, []string{"keys", "list", "--access-ttl", "0s"}, "--access-ttl must be at least 1s"},
		{"flush-expired with a short retention", nil, []string{"flush-expired", "--event-retention", "5m"}, "--event-retention must be at least 1h"},
		{"flush-expired with a cap shorter than an access token", nil, []string{"flush-expired", "--session-max-age", "1m"}, "--session-max-age must be 0 (no cap) or longer than --access-ttl"},
		{"flush-expired with a negative access TTL", nil, []string{"flush-expired", "--access-ttl", "-5m"}, "--access-ttl must be at least 1s"},
		{"createsuperuser with a bad address", nil, []string{"createsuperuser", "--email", "nope", "--name", "R"}, "email:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "data", "authkit.db")
			environ := map[string]string{"AUTHKIT_DB": db}
			for k, v := range c.env {
				environ[k] = v
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var stdout, stderr bytes.Buffer
			err := Run(ctx, Env{
				Args: c.args, Getenv: func(k string) string { return environ[k] },
				Stdin: strings.NewReader("correct horse battery\n"), Stdout: &stdout, Stderr: &stderr, Modules: modules,
				Ready: func(string) { t.Error("serve started"); cancel() },
			})
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line containing %q", err, c.want)
			}
			if code := ExitCode(err); code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
			if stdout.Len()+stderr.Len() > 0 {
				t.Errorf("printed besides the error line:\n%s%s", stdout.String(), stderr.String())
			}
			if strings.Contains(err.Error(), "too-short-to-be-a-key") {
				t.Errorf("the error quotes the key encryption key: %v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "data")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("bad usage created the database's folder (%v)", err)
			}
		})
	}
}

// TestHelpIsOnStandardOutputAndExitsZero: -h shows what a command does
// and every flag with its variable, on standard output (so it pages), and
// is a success.
func TestHelpIsOnStandardOutputAndExitsZero(t *testing.T) {
	for _, args := range [][]string{
		{"help"}, {"--help"}, {"serve", "-h"}, {"serve", "--help"}, {"migrate", "-h"}, {"createsuperuser", "-h"},
		{"flush-expired", "-h"}, {"keys", "-h"}, {"keys", "rotate", "-h"}, {"keys", "list", "-h"}, {"openapi", "-h"},
		{"version", "-h"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := Run(t.Context(), Env{
				Args: args, Getenv: func(string) string { return "" },
				Stdout: &stdout, Stderr: &stderr, Modules: []httpapi.Module{&sso.Module{}},
			})
			if err != nil || ExitCode(err) != 0 {
				t.Fatalf("err = %v", err)
			}
			if stderr.Len() > 0 || !strings.HasPrefix(stdout.String(), "usage: authkit") {
				t.Fatalf("stdout %q, stderr %q", stdout.String(), stderr.String())
			}
		})
	}
	// serve's help names every flag, the modules' too, with its variable.
	var stdout bytes.Buffer
	modules := []httpapi.Module{&sso.Module{}, account.Module{}}
	if err := Run(t.Context(), Env{Args: []string{"serve", "-h"}, Getenv: func(string) string { return "" },
		Stdout: &stdout, Stderr: io.Discard, Modules: modules}); err != nil {
		t.Fatal(err)
	}
	var c serveConfig
	serveFlags(&c, []httpapi.Module{&sso.Module{}}).VisitAll(func(f *flag.Flag) {
		if !regexp.MustCompile(`(?m)^  --` + f.Name + `( \w+)?  \[` + envName(f.Name) + `\]$`).MatchString(stdout.String()) {
			t.Errorf("serve -h lacks --%s with [%s]", f.Name, envName(f.Name))
		}
	})
}

// TestFailuresExitWith1: what goes wrong past the command line (a port
// taken, a database that does not answer or is not there) is one line
// and exit status 1, distinct from bad usage.
func TestFailuresExitWith1(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"a port in use", []string{"serve", "--db", filepath.Join(dir, "a.db"), "--addr", taken.Addr().String()}, "--addr: listen tcp"},
		{"a database that does not answer", []string{"migrate", "--db", "postgres://u:pw@127.0.0.1:1/db?sslmode=disable"}, "database postgres://u:***@127.0.0.1:1/db"},
		{"no database at the path", []string{"keys", "list", "--db", filepath.Join(dir, "missing.db")}, "no database at"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, "", nil, c.args...)
			if r.err == nil || !strings.Contains(r.err.Error(), c.want) || strings.Contains(r.err.Error(), "\n") {
				t.Fatalf("err = %v, want one line containing %q", r.err, c.want)
			}
			if code := ExitCode(r.err); code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
		})
	}
}

// TestAdminCommandsRefuseAMissingSQLiteFile: createsuperuser,
// flush-expired and keys work on a database serve or migrate made; a
// mistyped --db is an error, not a new empty database with a superuser or
// a signing key in it that no server uses.
func TestAdminCommandsRefuseAMissingSQLiteFile(t *testing.T) {
	for _, args := range [][]string{
		{"createsuperuser", "--email", "root@example.com", "--name", "Root"},
		{"flush-expired"},
		{"keys", "rotate"},
		{"keys", "list"},
	} {
		t.Run(strings.Join(args[:min(2, len(args))], " "), func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "typo", "authkit.db")
			r := run(t, "correct horse battery\n", nil, append(args, "--db", db)...)
			if r.err == nil || !strings.Contains(r.err.Error(), "no database at "+db) || !strings.Contains(r.err.Error(), "authkit migrate") {
				t.Fatalf("err = %v", r.err)
			}
			if _, err := os.Stat(filepath.Join(dir, "typo")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the command created %s", filepath.Dir(db))
			}
		})
	}
}

// TestKeysListReadsNoKeyMaterial: listing the keys is for whoever runs
// the servers' database, with or without the key encryption key; rotating
// needs it once the keys are stored encrypted, and a wrong one writes
// nothing.
func TestKeysListReadsNoKeyMaterial(t *testing.T) {
	db := migratedDSN(t)
	if r := run(t, "", nil, "keys", "list", "--db", db); r.err != nil || !strings.Contains(r.stdout, "no signing keys yet") {
		t.Fatalf("%+v", r)
	}
	kek := map[string]string{"AUTHKIT_KEY_ENCRYPTION_KEY": strings.Repeat("ab", 32) + "\n"} // a secret file's newline
	if r := run(t, "", kek, "keys", "rotate", "--db", db); r.err != nil || !strings.Contains(r.stdout, "new signing key") || r.stderr != "" {
		t.Fatalf("rotate: %+v", r)
	}
	r := run(t, "", nil, "keys", "list", "--db", db)
	if r.err != nil || strings.Count(r.stdout, "\n") != 2 || !strings.Contains(r.stdout, "signing") {
		t.Fatalf("list without the key encryption key: %+v", r)
	}
	if r := run(t, "", nil, "keys", "rotate", "--db", db); r.err == nil || !strings.Contains(r.err.Error(), "encrypted") || ExitCode(r.err) != 1 {
		t.Fatalf("rotate without the key encryption key: %+v", r)
	}
	wrong := map[string]string{"AUTHKIT_KEY_ENCRYPTION_KEY": strings.Repeat("cd", 32)}
	if r := run(t, "", wrong, "keys", "rotate", "--db", db); r.err == nil || !strings.Contains(r.err.Error(), "does not decrypt") {
		t.Fatalf("rotate with a wrong key encryption key: %+v", r)
	}
	if r := run(t, "", nil, "keys", "list", "--db", db); strings.Count(r.stdout, "\n") != 2 {
		t.Fatalf("a refused rotation wrote a key: %+v", r)
	}
}

// TestSessionCacheTTLZeroReadsEverySession: --session-cache-ttl 0 means
// what it says, no cache (a revocation made outside this process is seen
// by the next request); it used to mean the default, 30 s.
func TestSessionCacheTTLZeroReadsEverySession(t *testing.T) {
	for _, c := range []struct {
		ttl         string
		wantRevoked int
	}{{"0", 401}, {"30s", 200}} {
		t.Run("--session-cache-ttl "+c.ttl, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "authkit.db")
			base, _, _ := serveWith(t, serveOptions{args: []string{"--session-cache-ttl", c.ttl},
				env: map[string]string{"AUTHKIT_DB": db, "AUTHKIT_LOGIN_THROTTLE": "0"}})
			pair := registerAndLogIn(t, base, "ann@example.com", "correct horse battery")
			me := func() int {
				req, _ := http.NewRequest("GET", base+"/api/me", nil)
				req.Header.Set("Authorization", "Bearer "+pair.Access)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			if s := me(); s != 200 {
				t.Fatalf("GET /api/me = %d", s)
			}
			// Another process (another instance, an admin's SQL) revokes it.
			st, err := store.Open(t.Context(), db, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if ok, err := st.RevokeSessionByID(t.Context(), sessionID(t, pair.Access), time.Now()); !ok || err != nil {
				t.Fatalf("revoke: %v %v", ok, err)
			}
			if s := me(); s != c.wantRevoked {
				t.Fatalf("GET /api/me after the revocation = %d, want %d", s, c.wantRevoked)
			}
		})
	}
}

func registerAndLogIn(t *testing.T, base, email, password string) shared.TokenPair {
	t.Helper()
	postJSON(t, base, "", "/api/auth/register", shared.RegisterRequest{Email: email, Password: password, Name: "Ann"}, 201)
	var pair shared.TokenPair
	if err := json.Unmarshal(postJSON(t, base, "", "/api/token", shared.LoginRequest{Email: email, Password: password}, 200), &pair); err != nil {
		t.Fatal(err)
	}
	return pair
}

// postJSON sends body as JSON, with a Bearer token when one is given, and
// fails the test unless the status is want.
func postJSON(t *testing.T, base, token, path string, body any, want int) []byte {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s = %d, want %d: %s", path, resp.StatusCode, want, data)
	}
	return data
}

// mailedToken waits for the n-th mail and returns the token of its link.
func mailedToken(t *testing.T, smtp *mailtest.Server, n int) string {
	t.Helper()
	m := regexp.MustCompile(`token=([A-Za-z0-9_-]+)`).FindStringSubmatch(smtp.Wait(t, n, 10*time.Second).Part("text/plain"))
	if m == nil {
		t.Fatalf("mail #%d has no link with a token", n+1)
	}
	return m[1]
}

// TestServe_LogsNoSecrets walks every flow that carries a secret through
// the real server, in both log formats, and then reads every line it
// logged: no password, token, one-time code, provider code or state,
// cookie, key encryption key or SMTP password may be in it, and request
// lines carry the path without its query.
func TestServe_LogsNoSecrets(t *testing.T) {
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			smtp := mailtest.Start(t)
			idp := ssotest.NewProvider(t)
			addr := freeAddr(t)
			db := filepath.Join(t.TempDir(), "authkit.db")
			kek := strings.Repeat("5e", 32)
			base, stop, logs := serveWith(t, serveOptions{
				args: []string{"--addr", addr, "--log-format", format, "--public-url", "http://" + addr, "--insecure-cookies"},
				env: map[string]string{
					"AUTHKIT_DB": db, "AUTHKIT_SMTP_URL": smtp.URL(), "AUTHKIT_KEY_ENCRYPTION_KEY": kek,
					"AUTHKIT_OIDC_ISSUER": idp.URL, "AUTHKIT_OIDC_CLIENT_ID": ssotest.ClientID, "AUTHKIT_OIDC_CLIENT_SECRET": ssotest.ClientSecret,
				},
				modules: []httpapi.Module{account.Module{}, &sso.Module{}},
			})
			const password, newPassword = "correct horse battery", "another long passphrase"
			secrets := []string{password, newPassword, "wrong horse battery", kek, mailtest.Password, ssotest.ClientSecret}

			pair := registerAndLogIn(t, base, "ann@example.com", password)
			verify := mailedToken(t, smtp, 0)
			postJSON(t, base, "", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: verify}, 200)
			postJSON(t, base, "", "/api/auth/login", shared.LoginRequest{Email: "ann@example.com", Password: "wrong horse battery"}, 401)
			for _, path := range []string{"/api/me?token=QUERY-SECRET-1", "/reset-password?token=QUERY-SECRET-2"} {
				req, _ := http.NewRequest("GET", base+path, nil)
				req.Header.Set("Authorization", "Bearer "+pair.Access)
				req.Header.Set("Cookie", "__Host-authkit_refresh=COOKIE-SECRET-3")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			var rotated shared.TokenPair
			json.Unmarshal(postJSON(t, base, "", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}, 200), &rotated)
			postJSON(t, base, "", "/api/token/refresh", shared.RefreshRequest{Refresh: pair.Refresh}, 401) // reuse: the session ends
			pair = registerAndLogIn(t, base, "bob@example.com", password)
			mailedToken(t, smtp, 1) // bob's confirmation

			postJSON(t, base, "", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "ann@example.com"}, 202)
			reset := mailedToken(t, smtp, 2)
			postJSON(t, base, "", "/api/auth/password-reset/confirm", shared.PasswordResetConfirmRequest{Token: reset, NewPassword: newPassword}, 204)
			postJSON(t, base, pair.Access, "/api/me/email", shared.ChangeEmailRequest{NewEmail: "robert@example.com", CurrentPassword: password}, 202)
			var change string
			for i := 3; change == ""; i++ { // the link to the new address and the notice to the old, in either order
				if m := smtp.Wait(t, i, 10*time.Second); slices.Contains(m.To, "robert@example.com") {
					change = mailedToken(t, smtp, i)
				}
			}
			postJSON(t, base, "", "/api/auth/confirm-email-change", shared.ConfirmEmailChangeRequest{Token: change}, 200)
			secrets = append(secrets, pair.Access, pair.Refresh, rotated.Access, rotated.Refresh, verify, reset, change,
				"QUERY-SECRET-1", "QUERY-SECRET-2", "COOKIE-SECRET-3")

			// Single sign-on: the provider's code and the state travel in
			// the callback's query.
			idp.Approve(ssotest.Person{Subject: "sub-1", Email: "cat@example.com", EmailVerified: true, Name: "Cat"})
			jar, _ := cookiejar.New(nil)
			var callback *url.URL
			browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
				if strings.HasSuffix(req.URL.Path, "/callback") {
					callback = req.URL
				}
				return nil
			}}
			resp, err := browser.Get(base + "/api/auth/oauth/oidc/start")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if callback == nil || callback.Query().Get("code") == "" || resp.Request.URL.Path != "/profile" && resp.Request.URL.Path != "/" {
				t.Fatalf("single sign-on ended at %v (callback %v)", resp.Request.URL, callback)
			}
			secrets = append(secrets, callback.Query().Get("code"), callback.Query().Get("state"))
			for _, c := range jar.Cookies(resp.Request.URL) {
				secrets = append(secrets, c.Value)
			}
			// And a database error: the file is gone, the request fails.
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(db + suffix)
			}
			postJSON(t, base, "", "/api/auth/register", shared.RegisterRequest{Email: "dan@example.com", Password: password, Name: "Dan"}, 503)

			if err := stop(); err != nil {
				t.Fatal(err)
			}
			out := logs.String()
			for _, secret := range secrets {
				if secret != "" && strings.Contains(out, secret) {
					t.Errorf("the log holds a secret, %q", secret)
				}
			}
			for _, want := range []string{"/api/auth/oauth/oidc/callback", "/api/auth/password-reset/confirm", "database unavailable"} {
				if !strings.Contains(out, want) {
					t.Errorf("the log lacks %s: the flows did not run as the test thinks", want)
				}
			}
			if strings.Contains(out, "?") {
				t.Errorf("a logged path carries a query:\n%s", out)
			}
			if t.Failed() {
				t.Logf("log:\n%s", out)
			}
		})
	}
}

// TestServe_WarnsOfWhatAnOperatorMissed: mail that goes to the log (its
// links sign people in) and an AUTHKIT_ variable serve does not read (a
// misspelt AUTHKIT_SMTP_URL) are each a warning at start-up.
func TestServe_WarnsOfWhatAnOperatorMissed(t *testing.T) {
	db := filepath.Join(t.TempDir(), "authkit.db")
	_, stop, logs := serveWith(t, serveOptions{args: []string{"--log-format", "json"},
		env: map[string]string{"AUTHKIT_DB": db, "AUTHKIT_SMPT_URL": "smtp://u:typo-secret@mail.example.com"}})
	stop()
	out := logs.String()
	for _, want := range []string{
		`"level":"WARN","msg":"no --smtp-url: mail is written to this log instead of sent`,
		`"msg":"an AUTHKIT_ variable that serve does not read is set; ignored","variable":"AUTHKIT_SMPT_URL"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s", want)
		}
	}
	if strings.Contains(out, "typo-secret") {
		t.Error("the warning quotes the variable's value")
	}

	smtp := mailtest.Start(t)
	_, stop, logs = serveWith(t, serveOptions{env: map[string]string{"AUTHKIT_DB": db, "AUTHKIT_SMTP_URL": smtp.URL()}})
	stop()
	if out := logs.String(); strings.Contains(out, "WARN") {
		t.Errorf("warnings with every setting right:\n%s", out)
	}
}

// TestServe_DriverMessagesJoinTheLog: the PostgreSQL driver's own
// messages (a dropped listener connection) are lines of the server's log
// in its format, not plain lines a JSON reader chokes on.
func TestServe_DriverMessagesJoinTheLog(t *testing.T) {
	_, stop, logs := serveWith(t, serveOptions{args: []string{"--log-format", "json"},
		env: map[string]string{"AUTHKIT_DB": filepath.Join(t.TempDir(), "authkit.db")}})
	pgdriver.Logger.Printf(t.Context(), "bun: discarding bad listener connection: %s", "test")
	stop()
	for line := range strings.Lines(logs.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("not a JSON line: %q", line)
		}
	}
	if !strings.Contains(logs.String(), `"level":"WARN","msg":"database driver","message":"bun: discarding bad listener connection: test"`) {
		t.Errorf("the driver's message is not in the log:\n%s", logs.String())
	}
}

// TestServe_StoppedDuringStartUp: a signal before the server is up ends
// it as one after: no error.
func TestServe_StoppedDuringStartUp(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var logs bytes.Buffer
	err := Run(ctx, Env{Args: []string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "a.db")},
		Getenv: func(string) string { return "" }, Stdout: &logs, Stderr: &logs})
	if err != nil || !strings.Contains(logs.String(), "stopped during start-up") {
		t.Fatalf("err = %v, log:\n%s", err, logs.String())
	}
}

// TestCreateSuperuser_ReadsOneLineAndChecksTheAddressFirst: the password
// is the first line of standard input, read without waiting for the end
// of the stream (a pipe kept open must not hang the command); a bad
// address or name is refused before the password is read at all.
func TestCreateSuperuser_ReadsOneLineAndChecksTheAddressFirst(t *testing.T) {
	db := migratedDSN(t)
	stdin, w := io.Pipe()
	defer w.Close()
	go w.Write([]byte("correct horse battery\n"))
	done := make(chan error, 1)
	go func() {
		done <- Run(t.Context(), Env{Args: []string{"createsuperuser", "--db", db, "--email", "root@example.com", "--name", "Root"},
			Getenv: func(string) string { return "" }, Stdin: stdin, Stdout: io.Discard, Stderr: io.Discard})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("createsuperuser waits for the end of standard input")
	}

	read := false
	err := Run(t.Context(), Env{Args: []string{"createsuperuser", "--db", db, "--email", "not-an-address", "--name", ""},
		Getenv: func(string) string { return "" }, Stdin: readerFunc(func([]byte) (int, error) { read = true; return 0, io.EOF }),
		Stdout: io.Discard, Stderr: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "email:") || !strings.Contains(err.Error(), "name:") || ExitCode(err) != 2 {
		t.Fatalf("err = %v", err)
	}
	if read {
		t.Error("the password was read before the address was checked")
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// TestREADMEFlagTableMatchesServe holds the README's table of serve's
// flags to the real binary's `serve -h`: the same flags, the modules'
// included, with the same defaults.
func TestREADMEFlagTableMatchesServe(t *testing.T) {
	out, err := exec.Command(binary(t), "serve", "-h").Output()
	if err != nil {
		t.Fatalf("serve -h: %v", err)
	}
	help := map[string]string{} // flag → default, "" for none
	lines := strings.Split(string(out), "\n")
	flagLine := regexp.MustCompile(`^  --([a-z0-9-]+)( \w+)?  \[AUTHKIT_[A-Z0-9_]+\]$`)
	for i, line := range lines {
		m := flagLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		def := ""
		if i+1 < len(lines) {
			if d := regexp.MustCompile(`\(default (.*)\)$`).FindStringSubmatch(lines[i+1]); d != nil {
				def = d[1]
				if unquoted, err := strconv.Unquote(def); err == nil {
					def = unquoted
				}
			}
		}
		help[m[1]] = def
	}
	if len(help) < 30 {
		t.Fatalf("found %d flags in serve -h:\n%s", len(help), out)
	}

	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	table := map[string]string{}
	for line := range strings.Lines(string(readme)) {
		cells := strings.Split(line, " | ")
		if !strings.HasPrefix(line, "| `--") || len(cells) < 3 {
			continue
		}
		names := regexp.MustCompile("`--([a-z0-9-]+)`").FindAllStringSubmatch(cells[0], -1)
		defaults := regexp.MustCompile("`([^`]*)`").FindAllStringSubmatch(cells[1], -1)
		for i, name := range names {
			switch {
			case len(defaults) == len(names):
				table[name[1]] = defaults[i][1]
			case len(defaults) > 0:
				table[name[1]] = defaults[0][1]
			case cells[1] == "off":
				table[name[1]] = "false"
			case cells[1] == "on":
				table[name[1]] = "true"
			default: // (none)
				table[name[1]] = ""
			}
		}
	}
	same := func(readme, help string) bool {
		if readme == help {
			return true
		}
		a, errA := time.ParseDuration(readme)
		b, errB := time.ParseDuration(help)
		return errA == nil && errB == nil && a == b
	}
	for name, def := range help {
		got, ok := table[name]
		switch {
		case !ok:
			t.Errorf("--%s is missing from the README's flag table", name)
		case !same(got, def) && !(def == "" && got == "false"):
			t.Errorf("--%s: the README's default is %q, serve's %q", name, got, def)
		}
	}
	for name := range table {
		if _, ok := help[name]; !ok {
			t.Errorf("the README's flag table has --%s, which serve does not", name)
		}
	}
}

// TestBinaryExitStatus: the real process exits 2 for bad usage with one
// line on stderr, 0 for help, 1 for a failure.
func TestBinaryExitStatus(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	for _, c := range []struct {
		args   []string
		status int
		stderr string
	}{
		{[]string{"serve", "--db-max-conns", "0"}, 2, "authkit: --db-max-conns must be at least 1, not 0\n"},
		{[]string{"frobnicate"}, 2, "authkit: unknown command \"frobnicate\" (run \"authkit help\")\n"},
		{[]string{"serve", "-h"}, 0, ""},
		{[]string{"keys", "list", "--db", filepath.Join(dir, "missing.db")}, 1, ""},
		{[]string{"migrate", "--db", "postgres://u:s3cret@127.0.0.1:1/db?sslmode=disable"}, 1, ""},
	} {
		cmd := exec.Command(bin, c.args...)
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		status := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			status = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if status != c.status || (c.stderr != "" && stderr.String() != c.stderr) || strings.Count(stderr.String(), "\n") > 1 || strings.Contains(stderr.String(), "s3cret") {
			t.Errorf("authkit %s: status %d, stderr %q; want %d, %q", strings.Join(c.args, " "), status, stderr.String(), c.status, c.stderr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("the commands left %v behind", entries)
	}
}

// TestMigrationsThisProgramDoesNotKnowAreAWarning: a database migrated
// by a newer version (or by a build with a module since removed) still
// serves, with a warning that names the migrations, from serve and from
// migrate alike.
func TestMigrationsThisProgramDoesNotKnowAreAWarning(t *testing.T) {
	db := storetest.DSN(t)
	if err := Run(t.Context(), Env{Args: []string{"migrate", "--db", db}, Getenv: func(string) string { return "" },
		Stdout: io.Discard, Stderr: io.Discard, Modules: []httpapi.Module{&sso.Module{}}}); err != nil {
		t.Fatal(err)
	}
	const warning = "the database has migrations this program does not know"
	r := run(t, "", nil, "migrate", "--db", db) // no sso module
	if r.err != nil || !strings.HasPrefix(r.stderr, "warning: "+warning) || !strings.Contains(r.stderr, "20261201090000") {
		t.Fatalf("migrate: %+v", r)
	}
	_, stop, logs := serveWith(t, serveOptions{args: []string{"--log-format", "json"}, env: map[string]string{"AUTHKIT_DB": db}})
	stop()
	if !strings.Contains(logs.String(), `"level":"WARN","msg":"`+warning) {
		t.Errorf("serve did not warn:\n%s", logs.String())
	}
	_, stop, logs = serveWith(t, serveOptions{env: map[string]string{"AUTHKIT_DB": db}, modules: []httpapi.Module{&sso.Module{}}})
	stop()
	if strings.Contains(logs.String(), warning) {
		t.Errorf("serve warned with every module in place:\n%s", logs.String())
	}
}

// TestDatabaseFileIsTheOwnersAlone: the SQLite file holds the signing keys
// (in plain text without AUTHKIT_KEY_ENCRYPTION_KEY), password hashes and
// authenticator seeds, so the file the commands create, and the WAL and
// shared-memory files SQLite makes beside it (with the file's mode), are
// readable by their owner only, whatever the umask and the directory's
// mode (it was 0644: any local user could copy the keys and forge tokens).
func TestDatabaseFileIsTheOwnersAlone(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "authkit.db")
	if r := run(t, "", nil, "migrate", "--db", db); r.err != nil {
		t.Fatalf("migrate: %v", r.err)
	}
	if r := run(t, "", nil, "keys", "rotate", "--db", db); r.err != nil {
		t.Fatalf("rotate: %v", r.err)
	}
	st, err := store.Open(t.Context(), db, store.Options{}) // open, with a write: the WAL is there
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.DB().ExecContext(t.Context(), "CREATE TABLE scratch (x)"); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(db + "*")
	if len(files) < 3 {
		t.Fatalf("files %v; want the database, its WAL and shared memory", files)
	}
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode&0o077 != 0 {
			t.Errorf("%s has mode %v; want no access for group and others", filepath.Base(f), mode)
		}
	}
}

// TestKeysRotateWithoutTheKeyEncryptionKeySaysTheKeyIsPlain: servers read
// keys stored before encryption was turned on, so a rotation run without
// AUTHKIT_KEY_ENCRYPTION_KEY (while the keys in force are still plain)
// succeeds and stores the new key in the clear: it says so.
func TestKeysRotateWithoutTheKeyEncryptionKeySaysTheKeyIsPlain(t *testing.T) {
	db := migratedDSN(t)
	r := run(t, "", nil, "keys", "rotate", "--db", db)
	if r.err != nil || !strings.Contains(r.stdout, "new signing key") || !strings.Contains(r.stderr, "stored unencrypted") {
		t.Fatalf("%+v", r)
	}
}
