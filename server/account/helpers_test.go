package account_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/account"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/mail/mailtest"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// The account module is tested as a fork tests a module: the real kit
// (apitest), on SQLite or PostgreSQL (AUTHKIT_TEST_DB), with a fork's
// module mounted beside it (bookmarks_test.go), since deleting and
// exporting an account reach into every module. The notes example tests
// its own hooks, so deleting it leaves these tests whole.

const mailWait = 10 * time.Second

// newServer is the kit with the account module, a fork's bookmarks
// module (bookmarks_test.go) and opts.
func newServer(t *testing.T, opts ...apitest.Option) *apitest.Server {
	t.Helper()
	return apitest.NewServer(t, append([]apitest.Option{apitest.WithModules(account.Module{}, bookmarks{})}, opts...)...)
}

// activity returns the caller's recent security events, newest first.
func activity(t *testing.T, c *apitest.Client, query string) []shared.SecurityEvent {
	t.Helper()
	r := c.Do("GET", "/api/me/activity"+query, nil)
	r.ExpectStatus(t, http.StatusOK)
	var resp shared.ActivityResponse
	r.Decode(t, &resp)
	return resp.Events
}

func types(events []shared.SecurityEvent) []shared.EventType {
	var out []shared.EventType
	for _, e := range events {
		out = append(out, e.Type)
	}
	return out
}

// eventually polls f until it reports true, for what the server does in
// the background (failed sign-ins are recorded off the request path).
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rowsMentioning returns "table: row" for every row of every table in the
// database that contains one of needles, read as text: how a test proves
// that no personal row is left behind, whatever tables modules add.
func rowsMentioning(t *testing.T, st *store.Store, needles ...string) []string {
	t.Helper()
	ctx := t.Context()
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if st.IsPostgres() {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	}
	var tables []string
	if err := st.DB().NewRaw(q).Scan(ctx, &tables); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(tables, "security_events") || !slices.Contains(tables, "bookmarks") {
		t.Fatalf("tables = %v", tables)
	}
	var found []string
	for _, table := range tables {
		rows, err := st.DB().QueryContext(ctx, `SELECT * FROM "`+table+`"`)
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
