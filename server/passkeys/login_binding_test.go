package passkeys_test

import (
	"net/http"
	"testing"

	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
)

// TestPasskeys_ASignInFinishesOnlyInTheBrowserThatBeganIt: a sign-in's
// challenge is bound to the browser that asked for it (an HttpOnly
// cookie), so an assertion made for it cannot be finished in another
// browser (or by a client without the cookie), which would sign that one
// in; the refusal does not spend the ceremony, and the browser that began
// it still finishes it.
func TestPasskeys_ASignInFinishesOnlyInTheBrowserThatBeganIt(t *testing.T) {
	ts := newServer(t, nil)
	_, a := annWithKey(t, ts, 0)

	laptop := ts.Browser()
	cred := assertion(t, laptop, a)
	ts.Browser().Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: cred}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCredentials)
	ts.TokenClient().Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: cred}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCredentials)
	laptop.Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: cred}).
		ExpectStatus(t, http.StatusOK)
}
