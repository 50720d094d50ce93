package sso_test

import (
	"net/http"
	"testing"

	"github.com/authkit/authkit/shared"
)

// TestConnect_ASessionEndedElsewhereCannotDisconnectAProviderAccount:
// Ann resets her password on another server, which ends every session,
// the intruder's too; this server's session cache learns of it only
// within --session-cache-ttl. Meanwhile the intruder's session must not
// take Ann's provider account away: disconnecting one checks the session
// in the database, as deleting a passkey does.
func TestConnect_ASessionEndedElsewhereCannotDisconnectAProviderAccount(t *testing.T) {
	k := newKit(t)
	intruder := k.ts.Browser()
	annID := intruder.Register("ann@example.com", "Ann").ID
	intruder.ConfirmEmail()
	k.connectGitHub(intruder)
	ids := k.identities(intruder) // the session is in the cache
	if len(ids) != 1 {
		t.Fatalf("identities = %+v", ids)
	}

	if _, err := k.ts.Store.RevokeUserSessions(t.Context(), annID, "", k.ts.Now()); err != nil {
		t.Fatal(err)
	}
	intruder.Do("DELETE", "/api/me/identities/"+ids[0].ID, nil).
		ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	if n := k.rows("user_identities", annID); n != 1 {
		t.Fatalf("Ann's connected accounts after the refused disconnection: %d, want 1", n)
	}
}
