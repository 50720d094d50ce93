package passkeys_test

import (
	"net/http"
	"testing"

	"github.com/authkit/authkit/server/passkeys/passkeystest"
	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
)

// TestPasskeys_AnotherAccountsPasskeyOfferedAsProofIsNotUsed: Bob's
// passkey offered at Ann's re-authentication is a wrong proof, and it
// must not count as a use of Bob's passkey either: its last use stays as
// it was (Bob's list would show a sign-in he never made).
func TestPasskeys_AnotherAccountsPasskeyOfferedAsProofIsNotUsed(t *testing.T) {
	ts := newServer(t, nil)
	ann, _ := annWithKey(t, ts, 0)
	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob")
	bob.ConfirmEmail()
	bobs := passkeystest.New(t, origin)
	bobs.Counter = 10
	passkeystest.Register(t, bob, bobs, "Bob's")

	cred := assertion(t, ann, bobs) // signed at 11
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Credential: cred}).
		ExpectError(t, http.StatusBadRequest, shared.CodeInvalidCode)

	var list sharedpasskeys.PasskeysResponse
	bob.Do("GET", "/api/me/passkeys", nil).Decode(t, &list)
	if len(list.Passkeys) != 1 || list.Passkeys[0].LastUsedAt != nil {
		t.Fatalf("Bob's passkeys = %+v, want one never used", list.Passkeys)
	}
}
