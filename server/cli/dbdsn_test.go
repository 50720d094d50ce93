package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// TestDatabaseNeitherAPathNorAPostgresURLIsRefused: a --db in a form the
// kit does not take (PostgreSQL's key=value string, a URL of another
// database) is bad usage, not the name of a new SQLite file: serve
// started on an empty database there, each instance of a cluster on its
// own, and logged the password in the key=value string as the database's
// name. The error does not repeat the value, which holds the password.
func TestDatabaseNeitherAPathNorAPostgresURLIsRefused(t *testing.T) {
	const password = "s3cret-pw"
	cases := []struct{ name, dsn, want string }{
		{"key=value", "host=db.internal user=authkit password=" + password + " dbname=authkit sslmode=require", "key=value"},
		{"key=value, one pair", "dbname=authkit", "key=value"},
		{"key=value, a quoted password", "host=db password='two " + password + "' dbname=authkit", "key=value"},
		{"another database's URL", "mysql://authkit:" + password + "@db/authkit", "mysql://"},
		{"a URL of no known scheme", "sqlite://data/authkit.db", "sqlite://"},
	}
	for _, c := range cases {
		for _, cmd := range [][]string{{"serve", "--addr", "127.0.0.1:0"}, {"migrate"}, {"keys", "list"}} {
			t.Run(c.name+"/"+cmd[0], func(t *testing.T) {
				t.Chdir(t.TempDir()) // a relative --db lands here
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				var stdout, stderr bytes.Buffer
				err := Run(ctx, Env{
					Args:   cmd,
					Getenv: func(k string) string { return map[string]string{"AUTHKIT_DB": c.dsn}[k] },
					Stdout: &stdout, Stderr: &stderr,
					Ready: func(string) { t.Error("serve started"); cancel() },
				})
				if err == nil || !strings.Contains(err.Error(), "--db") || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("err = %v, want a --db error naming %q", err, c.want)
				}
				if code := ExitCode(err); code != 2 {
					t.Errorf("exit status %d, want 2", code)
				}
				if strings.Contains(err.Error()+stdout.String()+stderr.String(), password) {
					t.Errorf("the password is printed: %v\n%s%s", err, stdout.String(), stderr.String())
				}
				if entries, _ := os.ReadDir("."); len(entries) > 0 {
					t.Errorf("created %s", entries[0].Name())
				}
			})
		}
	}
}
