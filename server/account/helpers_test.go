package account_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	otptotp "github.com/pquerna/otp/totp"

	"github.com/authkit/authkit/server/account"
	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/mail/mailtest"
	"github.com/authkit/authkit/server/passkeys"
	"github.com/authkit/authkit/server/sso"
	"github.com/authkit/authkit/server/sso/ssotest"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/totp"
	"github.com/authkit/authkit/shared"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// The account module is tested as a fork tests a module: the real kit
// (apitest), on SQLite or PostgreSQL (AUTHKIT_TEST_DB), with the kit's
// modules that keep data about users and a fork's module mounted beside
// it (bookmarks_test.go), since deleting and exporting an account reach
// into every module. The notes example tests
// its own hooks, so deleting it leaves these tests whole.

const mailWait = 10 * time.Second

// server is the kit under test, with the company's sign-in provider it
// trusts (on loopback).
type server struct {
	*apitest.Server
	idp *ssotest.Provider
}

// newServer is the kit with the account module, the modules main.go
// mounts beside it that keep data about users (an authenticator app,
// passkeys, sign-in providers: their tables and hooks join every deletion
// and export), a fork's bookmarks module (bookmarks_test.go) and opts.
func newServer(t *testing.T, opts ...apitest.Option) *server {
	t.Helper()
	idp := ssotest.NewProvider(t)
	providers := &sso.Module{OIDC: sso.OIDCSettings{Issuer: idp.URL, ClientID: ssotest.ClientID, ClientSecret: ssotest.ClientSecret}}
	modules := apitest.WithModules(account.Module{}, totp.Module{}, passkeys.Module{}, providers, bookmarks{})
	ts := apitest.NewServer(t, append([]apitest.Option{modules}, opts...)...)
	idp.SetClock(ts.Now)
	return &server{Server: ts, idp: idp}
}

// withPasskeys serves the kit at https://app.example.com, a relying
// party passkeys accept (not an IP address), as apitest.WithMail does.
var withPasskeys = apitest.WithConfig(func(c *auth.Config) { c.PublicURL = publicURL })

const publicURL = "https://app.example.com"

// signInWithProvider makes an account the way the company's provider
// signs a new person in: it has no password. It returns the browser,
// signed in on a new (so recent) session, and the user.
func (ts *server) signInWithProvider(t *testing.T, email, name string) (*apitest.Client, shared.User) {
	t.Helper()
	ts.idp.Approve(ssotest.Person{Subject: "sub-" + email, Email: email, EmailVerified: true, Name: name})
	b := ts.Browser()
	next := "/api/auth/oauth/oidc/start"
	for range 3 { // the kit, the provider, the kit's callback
		r := b.Visit(next)
		r.ExpectStatus(t, http.StatusFound)
		// The public URL, when a test sets one, is this server.
		next = strings.Replace(r.Header.Get("Location"), publicURL, ts.URL, 1)
	}
	if next != "/profile" {
		t.Fatalf("signing in with the provider landed on %q", next)
	}
	var me shared.UserResponse
	b.Do("GET", "/api/me", nil).Decode(t, &me)
	if me.User.Email != email || me.User.HasPassword {
		t.Fatalf("the provider's account = %+v", me.User)
	}
	return b, me.User
}

// enableTOTP turns the authenticator app on for a browser whose session
// is recent, and returns the secret and the recovery codes.
func (ts *server) enableTOTP(t *testing.T, b *apitest.Client) (string, []string) {
	t.Helper()
	var setup sharedtotp.SetupResponse
	r := b.Do("POST", "/api/me/totp/setup", nil)
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &setup)
	var codes sharedtotp.RecoveryCodesResponse
	r = b.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: ts.totpCode(t, setup.Secret)})
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &codes)
	return setup.Secret, codes.RecoveryCodes
}

// totpCode is the authenticator app's code of a new time step (a code
// works once).
func (ts *server) totpCode(t *testing.T, secret string) string {
	t.Helper()
	ts.Advance(30 * time.Second)
	code, err := otptotp.GenerateCode(secret, ts.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// staleSession lets the re-authentication window (10 minutes) pass; the
// browser refreshes its tokens, which keeps the session but not its
// recency.
func (ts *server) staleSession(t *testing.T, b *apitest.Client) {
	t.Helper()
	ts.Advance(11 * time.Minute)
	b.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
}

// tablesMentioning names the tables with a row that contains one of
// needles (rowsMentioning).
func tablesMentioning(t *testing.T, st *store.Store, needles ...string) []string {
	t.Helper()
	var tables []string
	for _, row := range rowsMentioning(t, st, needles...) {
		table, _, _ := strings.Cut(row, ": ")
		if !slices.Contains(tables, table) {
			tables = append(tables, table)
		}
	}
	slices.Sort(tables)
	return tables
}

// eventually polls f until it reports true, for what the server does in
// the background (failed sign-ins are recorded off the request path).
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // generous: only a real hang should fail
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rowsMentioning returns "table: row" for every row of every table in the
// database that contains one of needles, read as text: how a test proves
// that no personal row is left behind, whatever tables modules add. st
// may be a transaction's.
func rowsMentioning(t *testing.T, st *store.Store, needles ...string) []string {
	t.Helper()
	ctx := t.Context()
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if st.IsPostgres() {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	}
	var tables []string
	if err := st.IDB().NewRaw(q).Scan(ctx, &tables); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(tables, "security_events") || !slices.Contains(tables, "bookmarks") {
		t.Fatalf("tables = %v", tables)
	}
	var found []string
	for _, table := range tables {
		rows, err := st.IDB().QueryContext(ctx, `SELECT * FROM "`+table+`"`)
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, scanMentions(t, table, rows, needles)...)
	}
	return found
}

func scanMentions(t *testing.T, table string, rows *sql.Rows, needles []string) []string {
	t.Helper()
	defer rows.Close()
	cols, _ := rows.Columns()
	var found []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			fmt.Fprintf(&text, "%v|", v)
		}
		for _, n := range needles {
			if strings.Contains(text.String(), n) {
				found = append(found, table+": "+text.String())
				break
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return found
}

func ptr[T any](v T) *T { return &v }

// waitForSubject returns the first mail with the subject, once it has
// arrived.
func waitForSubject(t *testing.T, smtp *mailtest.Server, subject string) mailtest.Message {
	t.Helper()
	var found *mailtest.Message
	eventually(t, "a mail about "+subject, func() bool {
		for _, m := range smtp.Messages() {
			if m.Subject() == subject {
				found = &m
				return true
			}
		}
		return false
	})
	return *found
}

// mailsWithSubject counts the mails received with the subject.
func mailsWithSubject(smtp *mailtest.Server, subject string) int {
	n := 0
	for _, m := range smtp.Messages() {
		if m.Subject() == subject {
			n++
		}
	}
	return n
}
