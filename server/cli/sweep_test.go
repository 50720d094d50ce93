package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/passkeys"
	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/server/sso"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// expiringRows is a database, served by `authkit serve` with the passkeys
// and sign-in provider modules, holding what the sweep must delete beside
// what it must keep: a passkey sign-in and a GitHub sign-in begun over
// HTTP and expired (their rows aged, as if the person walked away), one
// of each still in flight, two signing keys retired for over a day, one
// retired half an hour ago and one that still verifies (both kept), and
// an access token signed by the key in force.
type expiringRows struct {
	db, base   string
	access     string
	keptKIDs   []string
	goneKIDs   []string
	ceremonies []string // challenges: the expired one, then the live one
	attempts   []string // state hashes: the expired one, then the live one
}

var sweptModules = []httpapi.Module{passkeys.Module{}, &sso.Module{}}

func arrangeExpiringRows(t *testing.T, sweepEvery string) *expiringRows {
	t.Helper()
	ctx := t.Context()
	e := &expiringRows{db: storetest.DSN(t)}
	// The keys, made before serve starts: the one it will sign with (the
	// newest), one that still verifies tokens (the next one is younger
	// than access-ttl plus a minute), one retired half an hour ago and two
	// retired for over a day.
	st := openStore(t, e.db)
	now := time.Now().UTC()
	for _, age := range []time.Duration{96 * time.Hour, 72 * time.Hour, 25 * time.Hour, 30 * time.Minute, 0} {
		kid, err := signing.CreateKey(ctx, st, nil, now.Add(-age))
		if err != nil {
			t.Fatal(err)
		}
		// A key retires when the next one is older than access-ttl plus a
		// minute, and is deleted a day after that.
		if age >= 72*time.Hour {
			e.goneKIDs = append(e.goneKIDs, kid)
		} else {
			e.keptKIDs = append(e.keptKIDs, kid)
		}
	}
	st.Close()
	var stop func() error
	e.base, stop, _ = startServeWith(t, e.db, sweptModules, map[string]string{
		"AUTHKIT_GITHUB_CLIENT_ID": "id", "AUTHKIT_GITHUB_CLIENT_SECRET": "secret",
		"AUTHKIT_PUBLIC_URL": "http://localhost:8080", "AUTHKIT_SWEEP_INTERVAL": sweepEvery,
	})
	t.Cleanup(func() { stop() })
	e.access = registerForToken(t, e.base)

	for range 2 {
		resp := post(t, e.base+"/api/auth/passkey/begin", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("passkey begin: %d", resp.StatusCode)
		}
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noRedirect.Get(e.base + "/api/auth/oauth/github/start")
		if err != nil || resp.StatusCode != http.StatusFound {
			t.Fatalf("github start: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	st = openStore(t, e.db)
	defer st.Close()
	if err := st.IDB().NewRaw("SELECT challenge FROM webauthn_ceremonies ORDER BY created_at, id").Scan(ctx, &e.ceremonies); err != nil || len(e.ceremonies) != 2 {
		t.Fatalf("ceremonies %v: %v", e.ceremonies, err)
	}
	if err := st.IDB().NewRaw("SELECT state_hash FROM oauth_attempts ORDER BY created_at, state_hash").Scan(ctx, &e.attempts); err != nil || len(e.attempts) != 2 {
		t.Fatalf("attempts %v: %v", e.attempts, err)
	}
	past := now.Add(-time.Hour)
	for _, q := range []struct{ sql, key string }{
		{"UPDATE webauthn_ceremonies SET expires_at = ? WHERE challenge = ?", e.ceremonies[0]},
		{"UPDATE oauth_attempts SET expires_at = ? WHERE state_hash = ?", e.attempts[0]},
	} {
		if _, err := st.IDB().NewRaw(q.sql, past, q.key).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// swept reports whether the expired rows are gone, failing the test if a
// row that must stay is gone too.
func (e *expiringRows) swept(t *testing.T) bool {
	t.Helper()
	ctx := context.Background()
	st := openStore(t, e.db)
	defer st.Close()
	var ceremonies, attempts []string
	if err := st.IDB().NewRaw("SELECT challenge FROM webauthn_ceremonies").Scan(ctx, &ceremonies); err != nil {
		t.Fatal(err)
	}
	if err := st.IDB().NewRaw("SELECT state_hash FROM oauth_attempts").Scan(ctx, &attempts); err != nil {
		t.Fatal(err)
	}
	keys, err := st.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range keys {
		kids = append(kids, k.KID)
	}
	if !slices.Contains(ceremonies, e.ceremonies[1]) || !slices.Contains(attempts, e.attempts[1]) {
		t.Fatalf("a ceremony or attempt in flight was deleted: %v %v", ceremonies, attempts)
	}
	for _, kid := range e.keptKIDs {
		if !slices.Contains(kids, kid) {
			t.Fatalf("key %s, retired within the day or still verifying, was deleted", kid)
		}
	}
	if len(kids) != len(e.keptKIDs)+len(e.goneKIDs) && len(kids) != len(e.keptKIDs) {
		t.Fatalf("keys = %v, want %v and maybe %v", kids, e.keptKIDs, e.goneKIDs)
	}
	return len(ceremonies) == 1 && len(attempts) == 1 && len(kids) == len(e.keptKIDs)
}

// TestFlushExpired_ModulesExpiredRowsAndRetiredKeys: the command deletes
// the modules' expired ceremonies and sign-ins in flight, and signing keys
// retired for over a day, and nothing still in use: the live ceremony,
// the live attempt, the recently retired key, the key that verifies and
// the signing key, whose token still works.
func TestFlushExpired_ModulesExpiredRowsAndRetiredKeys(t *testing.T) {
	e := arrangeExpiringRows(t, "1h")
	var out strings.Builder
	err := Run(t.Context(), Env{Args: []string{"flush-expired", "--db", e.db}, Getenv: func(string) string { return "" },
		Stdout: &out, Stderr: &out, Modules: sweptModules})
	if err != nil || !strings.HasSuffix(strings.TrimSpace(out.String()), "2 expired rows of modules and 2 retired signing keys") {
		t.Fatalf("flush-expired: %v %q", err, out.String())
	}
	if !e.swept(t) {
		t.Fatal("expired rows remain")
	}
	expectMe(t, e.base, e.access)
}

// TestServe_SweepDeletesModulesExpiredRowsAndRetiredKeys: serve's sweep
// does the same on its own, every --sweep-interval.
func TestServe_SweepDeletesModulesExpiredRowsAndRetiredKeys(t *testing.T) {
	e := arrangeExpiringRows(t, "1s")
	deadline := time.Now().Add(30 * time.Second)
	for !e.swept(t) {
		if time.Now().After(deadline) {
			t.Fatal("the sweep left expired rows")
		}
		time.Sleep(100 * time.Millisecond)
	}
	expectMe(t, e.base, e.access)
}

func openStore(t *testing.T, db string) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(t.Context(), httpapi.ModuleMigrations(sweptModules)...); err != nil {
		t.Fatal(err)
	}
	return st
}

func post(t *testing.T, url, body string) *http.Response {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// registerForToken makes an account and returns an access token of it.
func registerForToken(t *testing.T, base string) string {
	t.Helper()
	post(t, base+"/api/auth/register", `{"email":"ann@example.com","password":"correct horse battery","name":"Ann"}`)
	resp, err := http.Post(base+"/api/token", "application/json", strings.NewReader(`{"email":"ann@example.com","password":"correct horse battery"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("token: %v %v", resp, err)
	}
	defer resp.Body.Close()
	var pair shared.TokenPair
	if err := json.NewDecoder(resp.Body).Decode(&pair); err != nil {
		t.Fatal(err)
	}
	return pair.Access
}

func expectMe(t *testing.T, base, access string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/me with the token after the sweep: %v %v", resp, err)
	}
	resp.Body.Close()
}
