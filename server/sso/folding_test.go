package sso_test

import (
	"testing"

	sharedsso "github.com/authkit/authkit/shared/sso"
)

// TestAccounts_AnAddressThatLowerCasesIntoAnotherIsNotVouchedFor: the kit
// stores addresses lower-cased, and Unicode lower-cases a few letters
// into ASCII ones (the Kelvin sign K into k). A provider that vouches for
// "Kate@example.com" spelt with a Kelvin sign has checked a mailbox that
// is not kate@example.com's: it must not be taken as vouching for Kate's
// address, neither to connect to her confirmed account nor to make a
// confirmed one in her name.
func TestAccounts_AnAddressThatLowerCasesIntoAnotherIsNotVouchedFor(t *testing.T) {
	k := newKit(t)
	kate := k.ts.Browser()
	kate.Register("kate@example.com", "Kate")
	kate.ConfirmEmail()

	lookalike := person("kate")
	lookalike.Subject, lookalike.Email = "sub-lookalike", "\u212Aate@example.com"
	b := k.ts.Browser()
	k.idp.Approve(lookalike)
	expectFailure(t, k.walk(b, "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureAccountExists, "oidc")
	k.expectSignedOut(b)
	if ids := k.identities(kate); len(ids) != 0 {
		t.Fatalf("Kate's account got %+v", ids)
	}

	// Nobody has ann@example.com yet: the account made is not confirmed.
	lookalike.Subject, lookalike.Email = "sub-lookalike-2", "\u212Aann@example.com"
	k.idp.Approve(lookalike)
	b = k.ts.Browser()
	if got := k.walk(b, "/api/auth/oauth/oidc/start"); got != "/profile" {
		t.Fatalf("landed on %q", got)
	}
	if u := k.me(b); u.Email != "kann@example.com" || u.EmailVerified {
		t.Fatalf("user = %+v", u)
	}
}
