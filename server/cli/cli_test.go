package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

type result struct {
	err            error
	stdout, stderr string
}

func run(t *testing.T, stdin string, environ map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(t.Context(), Env{
		Args: args, Getenv: func(k string) string { return environ[k] },
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Version: "test",
	})
	return result{err, out.String(), errOut.String()}
}

func countUsers(t *testing.T, db string) int64 {
	t.Helper()
	st, err := store.Open(t.Context(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	n, err := st.CountUsers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// migratedDSN is a new database that `authkit migrate` has set up, as the
// admin commands need.
func migratedDSN(t *testing.T) string {
	t.Helper()
	db := storetest.DSN(t)
	if r := run(t, "", nil, "migrate", "--db", db); r.err != nil {
		t.Fatalf("migrate: %v", r.err)
	}
	return db
}

func TestCreateSuperuser(t *testing.T) {
	db := migratedDSN(t)
	r := run(t, "correct horse battery\n", nil, "createsuperuser", "--email", "Root@Example.com", "--name", "Root", "--db", db)
	if r.err != nil || !strings.Contains(r.stdout, "created superuser root@example.com") {
		t.Fatalf("%+v", r)
	}
	st, _ := store.Open(t.Context(), db, store.Options{})
	defer st.Close()
	u, err := st.UserByEmail(t.Context(), "root@example.com")
	if err != nil || !u.IsStaff || !u.IsSuperuser || !u.IsActive || !u.EmailVerified || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Fatalf("user = %+v, %v", u, err)
	}
}

// TestCreateSuperuser_ReadsTheKeyEncryptionKey: creating an account
// starts the authentication service, which opens the signing keys (and,
// on PostgreSQL, the throttle key); once those are sealed it needs
// AUTHKIT_KEY_ENCRYPTION_KEY as serve does. It read no key, so it failed
// on every database whose keys are sealed, with the variable set or not.
func TestCreateSuperuser_ReadsTheKeyEncryptionKey(t *testing.T) {
	db := migratedDSN(t)
	kek := map[string]string{"AUTHKIT_KEY_ENCRYPTION_KEY": strings.Repeat("ab", 32)}
	if r := run(t, "", kek, "keys", "rotate", "--db", db); r.err != nil {
		t.Fatalf("rotate: %+v", r)
	}
	if r := run(t, "correct horse battery\n", nil, "createsuperuser", "--email", "root@example.com", "--name", "Root", "--db", db); r.err == nil || !strings.Contains(r.err.Error(), "AUTHKIT_KEY_ENCRYPTION_KEY") {
		t.Fatalf("without the key encryption key: %+v", r)
	}
	if r := run(t, "correct horse battery\n", kek, "createsuperuser", "--email", "root@example.com", "--name", "Root", "--db", db); r.err != nil || !strings.Contains(r.stdout, "created superuser root@example.com") {
		t.Fatalf("with the key encryption key: %+v", r)
	}
}

func TestCreateSuperuser_BadInputWritesNothing(t *testing.T) {
	db := migratedDSN(t)
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"bad email", "correct horse battery\n", []string{"--email", "nope", "--name", "R"}, "email:"},
		{"no name", "correct horse battery\n", []string{"--email", "r@example.com"}, "name:"},
		{"weak password", "password\n", []string{"--email", "r@example.com", "--name", "R"}, "password:"},
		{"password on the long common list", "qwerty123456\n", []string{"--email", "r@example.com", "--name", "R"}, "password: This password is too common"},
		{"empty stdin", "", []string{"--email", "r@example.com", "--name", "R"}, "standard input"},
		{"unknown flag", "x\n", []string{"--emial", "r@example.com"}, "flag provided but not defined"},
		{"stray argument", "x\n", []string{"--email", "r@example.com", "extra"}, "unexpected argument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, c.stdin, nil, append([]string{"createsuperuser", "--db", db}, c.args...)...)
			if r.err == nil || !strings.Contains(r.err.Error(), c.want) || strings.Contains(r.err.Error(), "\n") {
				t.Fatalf("err = %v, want one line containing %q", r.err, c.want)
			}
		})
	}
	if n := countUsers(t, db); n != 0 {
		t.Fatalf("%d users written", n)
	}
	run(t, "correct horse battery\n", nil, "createsuperuser", "--db", db, "--email", "r@example.com", "--name", "R")
	r := run(t, "correct horse battery\n", nil, "createsuperuser", "--db", db, "--email", "R@example.com", "--name", "R")
	if r.err == nil || !strings.Contains(r.err.Error(), "already exists") {
		t.Fatalf("duplicate: %v", r.err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	db := storetest.DSN(t)
	if r := run(t, "", nil, "migrate", "--db", db); r.err != nil || !strings.Contains(r.stdout, "applied") {
		t.Fatalf("%+v", r)
	}
	if r := run(t, "", nil, "migrate", "--db", db); r.err != nil || !strings.Contains(r.stdout, "up to date") {
		t.Fatalf("%+v", r)
	}
}

func TestUnknownCommandAndBadEnvironment(t *testing.T) {
	if r := run(t, "", nil, "frobnicate"); r.err == nil {
		t.Fatal("unknown command accepted")
	}
	if r := run(t, "", nil); r.err == nil {
		t.Fatal("no command accepted")
	}
	r := run(t, "", map[string]string{"AUTHKIT_ACCESS_TTL": "soon"}, "serve", "--db", filepath.Join(t.TempDir(), "a.db"))
	if r.err == nil || !strings.Contains(r.err.Error(), "AUTHKIT_ACCESS_TTL") {
		t.Fatalf("err = %v", r.err)
	}
	r = run(t, "", nil, "serve", "--access-ttl", "10m", "--refresh-ttl", "5m", "--db", filepath.Join(t.TempDir(), "a.db"))
	if r.err == nil {
		t.Fatal("refresh-ttl shorter than access-ttl accepted")
	}
	r = run(t, "", map[string]string{"AUTHKIT_ARGON2_MEMORY": "12"}, "serve", "--argon2-time", "2", "--db", filepath.Join(t.TempDir(), "a.db"))
	if r.err == nil || !strings.Contains(r.err.Error(), "OWASP") {
		t.Fatalf("argon2id below the OWASP table (12 MiB, 2 passes): err = %v", r.err)
	}
}

// TestServe_InsecureCookiesOnlyForAPlainHTTPPublicURL: cookies without
// Secure would leak over any plain-http request to an https site, so serve
// refuses the combination; on a plain-http public URL the flag works, and
// the cookies it sets lack Secure and the prefixes.
func TestServe_InsecureCookiesOnlyForAPlainHTTPPublicURL(t *testing.T) {
	// A scheme may be spelled in any case (RFC 3986 §3.1); HTTPS:// is https.
	for _, publicURL := range []string{"https://auth.example.com", "HTTPS://auth.example.com"} {
		ctx, cancel := context.WithCancel(t.Context())
		err := Run(ctx, Env{
			Args:   []string{"serve", "--addr", "127.0.0.1:0", "--db", storetest.DSN(t), "--public-url", publicURL},
			Getenv: func(k string) string { return map[string]string{"AUTHKIT_INSECURE_COOKIES": "true"}[k] },
			Stdout: io.Discard, Stderr: io.Discard, Version: "test",
			Ready: func(string) { cancel() }, // it started: stop it, and fail below
		})
		cancel()
		if err == nil || !strings.Contains(err.Error(), "--insecure-cookies") {
			t.Fatalf("public URL %s with insecure cookies: err = %v", publicURL, err)
		}
	}

	base, _, _ := startServe(t, storetest.DSN(t), "--insecure-cookies", "--public-url", "http://intranet.example:8080")
	body := `{"email":"ann@example.com","password":"correct horse battery","name":"Ann"}`
	resp, err := http.Post(base+"/api/auth/register", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("register: %v %v", resp, err)
	}
	resp.Body.Close()
	cookies := resp.Header.Values("Set-Cookie")
	if len(cookies) != 3 {
		t.Fatalf("Set-Cookie = %q", cookies)
	}
	for _, c := range cookies {
		if strings.Contains(c, "Secure") || strings.HasPrefix(c, "__") {
			t.Errorf("insecure mode set %q", c)
		}
	}
}

// startServe runs "authkit serve" in-process on a free port and returns
// its base URL, a function that stops it gracefully (as SIGTERM does) and
// returns Run's error, and its log.
func startServe(t *testing.T, db string, extraArgs ...string) (base string, stop func() error, logs *syncBuffer) {
	t.Helper()
	return startServeWith(t, db, nil, nil, extraArgs...)
}

// startServeWith is startServe with modules mounted and more environment
// (which may replace the two defaults).
func startServeWith(t *testing.T, db string, modules []httpapi.Module, environ map[string]string, extraArgs ...string) (base string, stop func() error, logs *syncBuffer) {
	t.Helper()
	env := map[string]string{"AUTHKIT_DB": db, "AUTHKIT_LOGIN_THROTTLE": "0"}
	maps.Copy(env, environ)
	return serveWith(t, serveOptions{args: append([]string{"--log-format", "json"}, extraArgs...), env: env, modules: modules})
}

// TestServe uses the real server over HTTP, stops it, and starts it again
// on the same database: the signing key survives, so tokens do too.
func TestServe(t *testing.T) {
	db := storetest.DSN(t)
	base, stop, logs := startServe(t, db)

	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	body := `{"email":"ann@example.com","password":"correct horse battery","name":"Ann"}`
	resp, err = http.Post(base+"/api/auth/register", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("register: %v %v", resp, err)
	}
	resp.Body.Close()
	login := `{"email":"ann@example.com","password":"correct horse battery"}`
	resp, err = http.Post(base+"/api/token", "application/json", strings.NewReader(login))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("token: %v %v", resp, err)
	}
	var pair shared.TokenPair
	json.NewDecoder(resp.Body).Decode(&pair)
	resp.Body.Close()

	if err := stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}
	out := logs.String()
	for _, want := range []string{`"msg":"request"`, `"path":"/api/auth/register"`, `"status":201`, `"latency"`, `"msg":"stopped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s", want)
		}
	}
	for _, secret := range []string{"correct horse battery", pair.Access, pair.Refresh} {
		if strings.Contains(out, secret) {
			t.Fatalf("the log holds a secret %q:\n%s", secret, out)
		}
	}

	base, _, _ = startServe(t, db)
	req, _ := http.NewRequest("GET", base+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+pair.Access)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("token after restart: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestFlushExpired(t *testing.T) {
	db := storetest.DSN(t)
	st, err := store.Open(t.Context(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	ctx := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.CreateUser(ctx, &store.User{ID: "u", Email: "u@example.com", Name: "U", PasswordHash: "x", IsActive: true, DateJoined: now}))
	revoked := now.Add(-time.Minute)
	sessions := []*store.Session{
		{ID: "live", UserID: "u", CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)},
		{ID: "expired", UserID: "u", CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(-time.Hour)},
		{ID: "revoked", UserID: "u", CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour), RevokedAt: &revoked},
		// Refreshed an hour ago, but signed in 40 days ago: past serve's
		// default cap, not past flush-expired's (none unless asked).
		{ID: "old", UserID: "u", CreatedAt: now.Add(-40 * 24 * time.Hour), LastUsedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)},
	}
	for _, s := range sessions {
		must(st.CreateSession(ctx, s))
	}
	tokens := []*store.RefreshToken{
		{ID: "t1", SessionID: "live", TokenHash: "h1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{ID: "t2", SessionID: "live", TokenHash: "h2", CreatedAt: now, ExpiresAt: now.Add(-time.Second)},
		{ID: "t3", SessionID: "expired", TokenHash: "h3", CreatedAt: now, ExpiresAt: now.Add(-time.Hour)},
		{ID: "t4", SessionID: "revoked", TokenHash: "h4", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{ID: "t5", SessionID: "old", TokenHash: "h5", CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)},
	}
	for _, tk := range tokens {
		must(st.CreateRefreshToken(ctx, tk))
	}
	// Security events past the retention (90 days by default) go too.
	must(st.RecordEvent(ctx, &store.SecurityEvent{UserID: "u", Type: "sign_in", At: now.Add(-91 * 24 * time.Hour)}))
	must(st.RecordEvent(ctx, &store.SecurityEvent{UserID: "u", Type: "sign_in", At: now.Add(-89 * 24 * time.Hour)}))
	st.Close()

	r := run(t, "", nil, "flush-expired", "--db", db)
	if r.err != nil || strings.TrimSpace(r.stdout) != "deleted 3 refresh tokens, 2 sessions, 1 security events, 0 expired rows of modules and 0 retired signing keys" {
		t.Fatalf("%+v", r)
	}
	st, _ = store.Open(ctx, db, store.Options{})
	defer st.Close()
	if _, err := st.SessionByID(ctx, "live"); err != nil {
		t.Fatal("live session deleted")
	}
	if _, err := st.RefreshTokenByHash(ctx, "h1"); err != nil {
		t.Fatal("live token deleted")
	}
	if _, err := st.SessionByID(ctx, "old"); err != nil {
		t.Fatal("a session past a cap flush-expired was not given was deleted")
	}
	r = run(t, "", nil, "flush-expired", "--db", db)
	if strings.TrimSpace(r.stdout) != "deleted 0 refresh tokens, 0 sessions, 0 security events, 0 expired rows of modules and 0 retired signing keys" {
		t.Fatalf("second run: %+v", r)
	}

	// Given the servers' cap, it deletes what their sweep would: the old
	// session and its token, and nothing live.
	r = run(t, "", nil, "flush-expired", "--db", db, "--session-max-age", "720h")
	if r.err != nil || strings.TrimSpace(r.stdout) != "deleted 1 refresh tokens, 1 sessions, 0 security events, 0 expired rows of modules and 0 retired signing keys" {
		t.Fatalf("with --session-max-age: %+v", r)
	}
	if _, err := st.SessionByID(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the session past the cap: %v", err)
	}
	if _, err := st.SessionByID(ctx, "live"); err != nil {
		t.Fatal("live session deleted with --session-max-age")
	}
}

// A --db URL the PostgreSQL driver cannot use is bad input like any
// other: one line, exit non-zero, and never the password it carries.
func TestBadPostgresURLIsAnErrorWithoutThePassword(t *testing.T) {
	const secret = "s3cret-pw"
	for _, dsn := range []string{
		"postgres://u:" + secret + "@127.0.0.1:x/db",
		"postgres://u:" + secret + "@127.0.0.1:1/db?sslmode=bogus",
		"postgres://u:" + secret + "@127.0.0.1:1/db?connect_timeout=soon",
		"postgres://u:" + secret + "@127.0.0.1:1/db?sslmode=disable", // nothing listens
		// libpq's URIs may carry the password as a parameter.
		"postgres://u@127.0.0.1:1/db?sslmode=disable&password=" + secret,
		"postgresql://u@127.0.0.1:1/db?password=" + secret + "&sslmode=disable",
		"postgres://u@127.0.0.1:1/db?sslmode=disable&sslpassword=" + secret,
	} {
		for _, cmd := range []string{"migrate", "serve"} {
			t.Run(cmd+" "+dsn, func(t *testing.T) {
				args := []string{cmd}
				if cmd == "serve" {
					args = append(args, "--addr", "127.0.0.1:0")
				}
				r := run(t, "", map[string]string{"AUTHKIT_DB": dsn}, args...)
				if r.err == nil {
					t.Fatal("accepted")
				}
				all := r.err.Error() + r.stdout + r.stderr
				if strings.Contains(r.err.Error(), "\n") || strings.Contains(all, secret) {
					t.Fatalf("err = %q, output %q: want one line without the password", r.err, r.stdout+r.stderr)
				}
			})
		}
	}
}

// TestHealthzFailsWhenTheSQLiteFileIsGone: with the database file deleted
// under a running server, writes are refused (503, ErrDatabaseMoved), so
// the health check must say so too, or a monitor sees a healthy instance
// that can log nobody in.
func TestHealthzFailsWhenTheSQLiteFileIsGone(t *testing.T) {
	db := filepath.Join(t.TempDir(), "authkit.db")
	base, _, _ := startServe(t, db)
	get := func() int {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get(); s != 200 {
		t.Fatalf("healthz = %d", s)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(db + suffix)
	}
	body := `{"email":"ann@example.com","password":"correct horse battery","name":"Ann"}`
	resp, err := http.Post(base+"/api/auth/register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("register with the file gone = %d, want 503", resp.StatusCode)
	}
	if s := get(); s != 503 {
		t.Fatalf("healthz with the file gone = %d, want 503", s)
	}
}
