package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

// TestPasswordReset_RequestsRefusedPerEmailDoNotSpendTheClientsBudget:
// a request the per-email limit refuses (429) mails nothing and, as with
// every other pair of throttles in the kit (reserve: "a refused request
// is not an attempt and counts nowhere"), must not use up the client's
// 20 an hour. Someone who clicks "send again" for their own address a few
// times too many must still be able to ask for another address.
func TestPasswordReset_RequestsRefusedPerEmailDoNotSpendTheClientsBudget(t *testing.T) {
	ts := apitest.NewServer(t)
	api := ts.TokenClient()
	reset := func(email string) apitest.Response {
		return api.Do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: email})
	}
	for range 5 {
		reset("ann@example.com").ExpectStatus(t, http.StatusAccepted)
	}
	for range 15 { // refused by ann's bucket: nothing mailed, no attempt
		reset("ann@example.com").ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)
	}
	// 5 requests of this client have been accepted: 15 are left.
	for i := range 15 {
		if r := reset(fmt.Sprintf("other%d@example.com", i)); r.Status != http.StatusAccepted {
			t.Fatalf("request %d for another address, after 5 accepted: %d %s", i+1, r.Status, r.Body)
		}
	}
}
