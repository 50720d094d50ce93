package sso_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/pquerna/otp/totp"

	"github.com/authkit/authkit/server/httpapi/apitest"
	authtotp "github.com/authkit/authkit/server/totp"
	sharedsso "github.com/authkit/authkit/shared/sso"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// TestAccounts_AVerifiedEmailIsNotConnectedPastASecondFactor: an account
// with an authenticator app asks every first step for a code. A provider
// account that vouches for the account's address is only a first step:
// connecting it at that point, before any code, would leave a lasting way
// in that nobody who holds the second factor agreed to (whoever got hold
// of the mailbox, or a provider that vouches too readily, keeps it once
// the app is gone). It is refused as account_exists: the owner logs in,
// code and all, and connects it from the profile.
func TestAccounts_AVerifiedEmailIsNotConnectedPastASecondFactor(t *testing.T) {
	k := newKit(t, apitest.WithModules(authtotp.Module{}))
	owner := k.ts.Browser()
	owner.Register("ann@example.com", "Ann")
	owner.ConfirmEmail()
	var setup sharedtotp.SetupResponse
	owner.Do("POST", "/api/me/totp/setup", nil).Decode(t, &setup)
	code, _ := totp.GenerateCode(setup.Secret, k.ts.Now())
	owner.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: code}).ExpectStatus(t, http.StatusOK)

	b := k.ts.Browser()
	k.idp.Approve(person("ann"))
	expectFailure(t, k.walk(b, "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureAccountExists, "oidc")
	k.expectSignedOut(b)
	if ids := k.identities(owner); len(ids) != 0 {
		t.Fatalf("connected before any second factor: %+v", ids)
	}
	if got := k.ts.MailSubjects("ann@example.com"); slices.Contains(got, "A Company SSO account was connected to your account") {
		t.Fatalf("mail = %q", got)
	}
}
