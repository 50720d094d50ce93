package passkeys_test

import (
	"net/http"
	"testing"

	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
)

// TestPasskeys_ASessionEndedElsewhereCannotDeleteAPasskey: Ann resets her
// password on another server, which ends every session, the intruder's
// too; this server's session cache learns of it only within
// --session-cache-ttl. Meanwhile the intruder's session must not take
// Ann's passkey away: deleting one checks the session in the database,
// as adding one and turning an authenticator app off do.
func TestPasskeys_ASessionEndedElsewhereCannotDeleteAPasskey(t *testing.T) {
	ts := newServer(t, nil)
	intruder, a := annWithKey(t, ts, 0)
	var list sharedpasskeys.PasskeysResponse
	intruder.Do("GET", "/api/me/passkeys", nil).Decode(t, &list) // the session is in the cache
	if len(list.Passkeys) != 1 {
		t.Fatalf("passkeys = %+v", list.Passkeys)
	}
	var me shared.UserResponse
	intruder.Do("GET", "/api/me", nil).Decode(t, &me)

	if _, err := ts.Store.RevokeUserSessions(t.Context(), me.User.ID, "", ts.Now()); err != nil {
		t.Fatal(err)
	}
	intruder.Do("DELETE", "/api/me/passkeys/"+list.Passkeys[0].ID, nil).
		ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)

	// The passkey still signs Ann in.
	ann := ts.Browser()
	ann.Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: assertion(t, ann, a)}).
		ExpectStatus(t, http.StatusOK)
}
