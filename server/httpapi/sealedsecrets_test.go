package httpapi_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// The CSRF tokens' HMAC key is a server secret kept in the database (the
// secrets table). Under AUTHKIT_KEY_ENCRYPTION_KEY it is stored sealed, as
// the signing keys are, so a copy of the database does not give it away;
// a key stored in the clear before is sealed in place by the first server
// started with the key encryption key; and a sealed key that does not
// open stops the server at start-up, rather than a new key silently
// invalidating every session's token.

const csrfKeyName = "csrf_hmac_key"

func withKEK(fill byte) apitest.Option {
	return apitest.WithConfig(func(c *auth.Config) { c.KeyEncryptionKey = bytes.Repeat([]byte{fill}, 32) })
}

// storedSecret is the secret's row as a copy of the database shows it.
func storedSecret(t *testing.T, ts *apitest.Server, name string) []byte {
	t.Helper()
	var value []byte
	if err := ts.Store.DB().NewSelect().Table("secrets").Column("value").Where("name = ?", name).Scan(t.Context(), &value); err != nil {
		t.Fatal(err)
	}
	return value
}

// csrfTokenUnder is the CSRF token of b's session were key the HMAC key
// (csrfTokens.token): what a thief of the database could forge.
func csrfTokenUnder(t *testing.T, ts *apitest.Server, b *apitest.Client, key []byte) string {
	t.Helper()
	p, err := ts.Auth.Sessions.Authenticate(t.Context(), b.Cookie(shared.HostCookiePrefix+shared.AccessCookie))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("csrf:" + p.SessionID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// refresh is a cookie-authenticated write, so it needs the session's CSRF
// token.
func refresh(t *testing.T, b *apitest.Client) {
	t.Helper()
	b.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
}

func TestCSRF_KeyIsStoredSealedUnderAKeyEncryptionKey(t *testing.T) {
	ts := apitest.NewServer(t, withKEK(1))
	ann := ts.Browser()
	ann.Register("ann@example.com", "Ann")

	stored := storedSecret(t, ts, csrfKeyName)
	if !bytes.HasPrefix(stored, []byte("AKS1")) || len(stored) == 32 {
		t.Fatalf("the CSRF key is stored as %d bytes %x, not sealed", len(stored), stored)
	}
	if csrfTokenUnder(t, ts, ann, stored) == ann.Cookie(shared.HostCookiePrefix+shared.CSRFCookie) {
		t.Fatal("the stored row is the CSRF key itself")
	}
	// A restart (or another instance) opens it: the token issued before
	// still checks.
	refresh(t, ann.On(ts.SecondInstance(withKEK(1))))
}

func TestCSRF_AKeyStoredInTheClearBeforeKeepsWorking(t *testing.T) {
	old := apitest.NewServer(t) // no key encryption key: stored in the clear
	ann := old.Browser()
	ann.Register("ann@example.com", "Ann")
	plain := storedSecret(t, old, csrfKeyName)
	if len(plain) != 32 {
		t.Fatalf("the CSRF key is stored as %d bytes without a key encryption key", len(plain))
	}

	refresh(t, ann.On(old.SecondInstance()))
	if got := storedSecret(t, old, csrfKeyName); !bytes.Equal(got, plain) {
		t.Fatal("a server without a key encryption key changed the stored key")
	}

	refresh(t, ann.On(old.SecondInstance(withKEK(1))))
	sealed := storedSecret(t, old, csrfKeyName)
	if !bytes.HasPrefix(sealed, []byte("AKS1")) || bytes.Contains(sealed, plain) {
		t.Fatalf("the key stored in the clear was not sealed in place under the key encryption key: %x", sealed)
	}
	// Sealed again or not, it is the one key: a later start opens it.
	refresh(t, ann.On(old.SecondInstance(withKEK(1))))
}

// A key stored in the clear is 32 random bytes, which begin with the
// sealed values' "AKS1" once in 2^32 servers: such a key must still be
// read as it is, not taken for a sealed one.
func TestCSRF_AKeyInTheClearThatLooksSealedIsReadAsItIs(t *testing.T) {
	old := apitest.NewServer(t)
	lookalike := make([]byte, 32)
	rand.Read(lookalike)
	copy(lookalike, "AKS1")
	if _, err := old.Store.DB().NewUpdate().Table("secrets").Set("value = ?", lookalike).Where("name = ?", csrfKeyName).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	plain := old.SecondInstance()
	ann := plain.Browser()
	ann.Register("ann@example.com", "Ann")
	if csrfTokenUnder(t, plain, ann, lookalike) != ann.Cookie(shared.HostCookiePrefix+shared.CSRFCookie) {
		t.Fatal("the server did not use the stored key as it is")
	}
	refresh(t, ann.On(old.SecondInstance(withKEK(1))))
}

// A sealed key with the key encryption key removed, or another one, stops
// the start with an error that names the secret and what to do, as a
// sealed signing key does. (On PostgreSQL the throttle key, loaded first,
// stops it the same way.)
func TestCSRF_ASealedKeyThatDoesNotOpenRefusesToStart(t *testing.T) {
	first := apitest.NewServer(t)    // the signing keys are stored plain, so only the server secrets are sealed
	first.SecondInstance(withKEK(1)) // seals them in place
	secret := csrfKeyName
	if storetest.Backend() == "postgres" {
		secret = "throttle_key_hmac"
	}
	for _, c := range []struct {
		name string
		kek  []byte
		want string
	}{
		{"removed", nil, "is encrypted: set AUTHKIT_KEY_ENCRYPTION_KEY"},
		{"wrong", bytes.Repeat([]byte{2}, 32), "does not decrypt with this key encryption key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc, err := auth.New(context.Background(), first.Store, auth.Config{KeyEncryptionKey: c.kek})
			if err == nil {
				_, err = httpapi.New(svc, first.Store, httpapi.Options{})
			}
			if err == nil || !strings.Contains(err.Error(), "secret "+secret+" "+c.want) {
				t.Fatalf("err = %v, want one naming %s that says %q", err, secret, c.want)
			}
		})
	}
}

// TestThrottleKey_IsSealedInPlaceOnPostgreSQL: the throttle key (the HMAC
// of the keys in throttle_buckets) is the other server secret, kept on
// PostgreSQL only. One stored in the clear before is sealed by the first
// server with the key encryption key, and is the same key: the instances
// keep counting the same rows.
func TestThrottleKey_IsSealedInPlaceOnPostgreSQL(t *testing.T) {
	if storetest.Backend() != "postgres" {
		t.Skip("throttle state and its key are stored on PostgreSQL only")
	}
	limit := apitest.WithConfig(func(c *auth.Config) { c.Hasher, c.LoginThrottle = cheapHasher(), 2 })
	old := apitest.NewServer(t, limit)
	old.Browser().Register("ann@example.com", "Ann")
	plain := storedSecret(t, old, "throttle_key_hmac")
	wrong := shared.LoginRequest{Email: "ann@example.com", Password: "not ann's password"}
	for range 2 {
		old.TokenClient().Do("POST", "/api/token", wrong).ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCredentials)
	}

	sealed := old.SecondInstance(limit, withKEK(1))
	if stored := storedSecret(t, old, "throttle_key_hmac"); !bytes.HasPrefix(stored, []byte("AKS1")) || bytes.Contains(stored, plain) {
		t.Fatalf("the throttle key stored in the clear was not sealed in place: %x", stored)
	}
	sealed.TokenClient().Do("POST", "/api/token", wrong).ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)
}
