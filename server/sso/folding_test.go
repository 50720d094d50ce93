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

// TestAccounts_AnAddressThatNFCTurnsIntoAnotherIsNotVouchedFor: the kit
// stores addresses in NFC too, which replaces the Greek varia by the ASCII
// grave accent. A provider that vouches for "ka" varia "te@example.com"
// has checked a mailbox that is not ka`te@example.com's, and must not be
// taken as vouching for that confirmed account's address.
func TestAccounts_AnAddressThatNFCTurnsIntoAnotherIsNotVouchedFor(t *testing.T) {
	k := newKit(t)
	kate := k.ts.Browser()
	kate.Register("ka`te@example.com", "Kate")
	kate.ConfirmEmail()

	lookalike := person("kate")
	lookalike.Subject, lookalike.Email = "sub-lookalike", "ka\u1FEFte@example.com"
	b := k.ts.Browser()
	k.idp.Approve(lookalike)
	expectFailure(t, k.walk(b, "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureAccountExists, "oidc")
	k.expectSignedOut(b)
	if ids := k.identities(kate); len(ids) != 0 {
		t.Fatalf("Kate's account got %+v", ids)
	}
}
