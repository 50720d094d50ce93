package passkeys_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/passkeys"
)

// TestPasskeys_AHostNameInCapitalsIsTheSameHost: a host name is
// case-insensitive, and --public-url accepts http://LOCALHOST:8080 (or
// https://Auth.Example.com), which the README's rule keeps passkeys on
// for: plain http on localhost, https elsewhere. The relying party's id
// is the host in the form browsers use for it, lower case.
func TestPasskeys_AHostNameInCapitalsIsTheSameHost(t *testing.T) {
	for _, tc := range []struct{ url, rpID string }{
		{"http://LOCALHOST:8080", "localhost"},
		{"https://App.Example.com", "app.example.com"},
	} {
		ts := apitest.NewServer(t, apitest.WithModules(passkeys.Module{}),
			apitest.WithConfig(func(c *auth.Config) { c.PublicURL = tc.url }))
		r := ts.TokenClient().Do("POST", "/api/auth/passkey/begin", nil)
		if r.Status != http.StatusOK {
			t.Errorf("--public-url %s: begin answers %d %s, want 200", tc.url, r.Status, r.Body)
			continue
		}
		var o struct {
			PublicKey struct {
				RPID string `json:"rpId"`
			} `json:"publicKey"`
		}
		if err := json.Unmarshal(r.Body, &o); err != nil {
			t.Fatal(err)
		}
		if o.PublicKey.RPID != tc.rpID {
			t.Errorf("--public-url %s: rpId %q, want %q", tc.url, o.PublicKey.RPID, tc.rpID)
		}
	}
}
