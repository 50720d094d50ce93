package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// startOnce runs `authkit serve` on db until it is ready, then stops it,
// and returns what Run returned: nil when it started and stopped cleanly,
// else why it did not start.
func startOnce(t *testing.T, db, kek string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	env := map[string]string{"AUTHKIT_DB": db, "AUTHKIT_KEY_ENCRYPTION_KEY": kek}
	var out bytes.Buffer
	return Run(ctx, Env{
		Args:   []string{"serve", "--addr", "127.0.0.1:0"},
		Getenv: func(k string) string { return env[k] }, Environ: func() []string { return nil },
		Stdout: &out, Stderr: &out, Version: "test",
		Ready: func(string) { cancel() },
	})
}

// TestServe_ASealedServerSecretWithoutItsKeyRefusesToStart: the first
// serve with AUTHKIT_KEY_ENCRYPTION_KEY seals the server secrets stored
// in the clear before (the CSRF key). Started later without the variable,
// or with another key, serve stops with an error that names the secret,
// as it does for a sealed signing key, rather than making a new secret
// that would invalidate every session's CSRF token.
func TestServe_ASealedServerSecretWithoutItsKeyRefusesToStart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "authkit.db")
	kek := strings.Repeat("ab", 32)
	if err := startOnce(t, db, ""); err != nil { // the signing key and the CSRF key in the clear
		t.Fatal(err)
	}
	if err := startOnce(t, db, kek); err != nil { // seals the CSRF key; the signing key stays plain
		t.Fatal(err)
	}
	for _, c := range []struct{ kek, want string }{
		{"", "secret csrf_hmac_key is encrypted: set AUTHKIT_KEY_ENCRYPTION_KEY"},
		{strings.Repeat("cd", 32), "secret csrf_hmac_key does not decrypt with this key encryption key"},
	} {
		if err := startOnce(t, db, c.kek); err == nil || !strings.Contains(err.Error(), c.want) || ExitCode(err) != 1 {
			t.Errorf("AUTHKIT_KEY_ENCRYPTION_KEY=%q: serve returned %v, want %q", c.kek, err, c.want)
		}
	}
	if err := startOnce(t, db, kek); err != nil {
		t.Fatalf("with its key: %v", err)
	}
}
