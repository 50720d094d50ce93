package sso_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/authkit/authkit/server/account"
	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/sso/ssotest"
	authtotp "github.com/authkit/authkit/server/totp"
	"github.com/authkit/authkit/shared"
	sharedsso "github.com/authkit/authkit/shared/sso"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// verify marks an account's email confirmed, as its mailed link would.
func (k *kit) verify(userID string) {
	k.t.Helper()
	u, err := k.ts.Store.UserByID(k.t.Context(), userID)
	if err != nil {
		k.t.Fatal(err)
	}
	u.EmailVerified = true
	if err := k.ts.Store.UpdateUser(k.t.Context(), u, "email_verified"); err != nil {
		k.t.Fatal(err)
	}
}

// TestAccounts_PreHijackingFails: an attacker registers the victim's
// address first (with a password, never confirmed). When the victim then
// signs in with their provider, the kit does not hand them the attacker's
// account, nor the attacker a way into the victim's: it refuses.
func TestAccounts_PreHijackingFails(t *testing.T) {
	k := newKit(t)
	attacker := k.ts.Browser()
	planted := attacker.Register("victim@example.com", "Victim")

	victim := k.ts.Browser()
	k.idp.Approve(person("victim"))
	expectFailure(t, k.walk(victim, "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureAccountExists, "oidc")
	k.expectSignedOut(victim)
	if ids := k.identities(attacker); len(ids) != 0 {
		t.Fatalf("the planted account %s got identities %+v", planted.ID, ids)
	}
}

// TestAccounts_AnUnverifiedProviderEmailIsNotConnected: a provider that
// does not vouch for the address cannot connect it to the account that
// owns it, even a verified one.
func TestAccounts_AnUnverifiedProviderEmailIsNotConnected(t *testing.T) {
	k := newKit(t)
	owner := k.ts.Browser()
	k.verify(owner.Register("ann@example.com", "Ann").ID)

	claims := unvouched("ann")
	b := k.ts.Browser()
	k.idp.Approve(claims)
	expectFailure(t, k.walk(b, "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureAccountExists, "oidc")
	k.expectSignedOut(b)
	if ids := k.identities(owner); len(ids) != 0 {
		t.Fatalf("identities = %+v", ids)
	}
}

// TestAccounts_AVerifiedEmailOnBothSidesConnectsAndMails: the owner of a
// verified account signs in with a provider that verified the same
// address: the provider account is connected and the owner told by mail.
func TestAccounts_AVerifiedEmailOnBothSidesConnectsAndMails(t *testing.T) {
	k := newKit(t)
	owner := k.ts.Browser()
	account := owner.Register("ann@example.com", "Ann")
	k.verify(account.ID)

	b := k.signIn(person("ann"))
	if u := k.me(b); u.ID != account.ID || !u.HasPassword {
		t.Fatalf("signed in as %+v, want the account %s", u, account.ID)
	}
	if ids := k.identities(b); len(ids) != 1 || ids[0].Provider != "oidc" {
		t.Fatalf("identities = %+v", ids)
	}
	if got := k.ts.MailSubjects("ann@example.com"); !slices.Contains(got, "A Company SSO account was connected to your account") {
		t.Fatalf("mail to the owner = %q", got)
	}
	// The password still works too.
	k.ts.Browser().Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
}

func TestAccounts_ADeactivatedAccountCannotComeBackThisWay(t *testing.T) {
	k := newKit(t)
	ann := k.me(k.signIn(person("ann")))
	k.ts.SetActive(ann.ID, false)
	b := k.ts.Browser()
	k.idp.Approve(person("ann"))
	expectFailure(t, k.walk(b, "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureAccountDisabled, "oidc")
	k.expectSignedOut(b)

	// Nor by connecting a new provider account through its verified email.
	owner := k.ts.Browser().Register("bob@example.com", "Bob")
	k.verify(owner.ID)
	k.ts.SetActive(owner.ID, false)
	k.idp.Approve(person("bob"))
	expectFailure(t, k.walk(k.ts.Browser(), "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureAccountDisabled, "oidc")
}

// TestAccounts_ARefusedDeactivatedSignInChangesNothing: a provider
// account the kit knows, of a deactivated account, is refused before
// anything is saved: neither the provider's latest address nor its
// vouching for the account's own address (which would lift the mark of an
// account made unvouched) is kept.
func TestAccounts_ARefusedDeactivatedSignInChangesNothing(t *testing.T) {
	k := newKit(t)
	cy := k.me(k.signIn(unvouched("cy")))
	if n := k.rows("unvouched_accounts", cy.ID); n != 1 {
		t.Fatalf("%d unvouched marks, want the account's", n)
	}
	k.ts.SetActive(cy.ID, false)
	identityEmail := func() string {
		t.Helper()
		var email string
		err := k.ts.Store.IDB().NewSelect().Table("user_identities").Column("email").Where("user_id = ?", cy.ID).Scan(t.Context(), &email)
		if err != nil {
			t.Fatal(err)
		}
		return email
	}

	// Now vouching for the account's address: the mark stays.
	k.idp.Approve(person("cy"))
	expectFailure(t, k.walk(k.ts.Browser(), "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureAccountDisabled, "oidc")
	if n := k.rows("unvouched_accounts", cy.ID); n != 1 {
		t.Errorf("the refused sign-in lifted the unvouched mark (%d rows)", n)
	}
	// With another address: the connection keeps the one it had.
	moved := person("cy")
	moved.Email = "cy@elsewhere.example"
	k.idp.Approve(moved)
	expectFailure(t, k.walk(k.ts.Browser(), "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureAccountDisabled, "oidc")
	if got := identityEmail(); got != "cy@example.com" {
		t.Errorf("the refused sign-in saved the provider's address %q", got)
	}
}

func TestAccounts_ANewcomerNeedsAnEmail(t *testing.T) {
	k := newKit(t)
	k.idp.Approve(ssotest.Person{Subject: "no-email", Name: "Nobody"})
	expectFailure(t, k.walk(k.ts.Browser(), "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureEmailMissing, "oidc")
}

// TestAccounts_ANewcomerWithAnUnverifiedEmailIsAskedToConfirmIt: the
// account is made, unverified, and mailed a confirmation link as at
// registration.
func TestAccounts_ANewcomerWithAnUnverifiedEmailIsAskedToConfirmIt(t *testing.T) {
	k := newKit(t)
	claims := unvouched("cy")
	b := k.ts.Browser()
	k.idp.Approve(claims)
	if got := k.walk(b, "/api/auth/oauth/oidc/start"); got != "/profile" {
		t.Fatalf("landed on %q", got)
	}
	if u := k.me(b); u.EmailVerified {
		t.Fatalf("user = %+v", u)
	}
	if got := k.ts.MailSubjects("cy@example.com"); !slices.Equal(got, []string{"Confirm your email address"}) {
		t.Fatalf("mail = %q", got)
	}
}

// TestAccounts_NoPasswordBehavesLikeAWrongOne: an account made by a
// provider has no password. Logging in with one fails like any wrong
// password (not a 500, not a different answer), changing it says there is
// none, and the reset mail offers to set one; after that the password
// works.
func TestAccounts_NoPasswordBehavesLikeAWrongOne(t *testing.T) {
	k := newKit(t)
	b := k.signIn(person("ann"))

	for _, password := range []string{"x", apitest.Password} {
		k.ts.Browser().Login("ann@example.com", password).ExpectStatus(t, http.StatusUnauthorized)
	}
	k.ts.Browser().Login("ann@example.com", "anything at all").ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCredentials)

	e := b.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: "guess", NewPassword: apitest.Password}).
		ExpectError(t, http.StatusBadRequest, shared.CodeWrongPassword)
	if e.Fields["current_password"] != "Your account has no password yet." {
		t.Errorf("fields = %v", e.Fields)
	}

	k.ts.TokenClient().Do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "ann@example.com"}).
		ExpectStatus(t, http.StatusAccepted)
	link := k.ts.MailToken("ann@example.com", "Set a password for your account")
	k.ts.TokenClient().Do("POST", "/api/auth/password-reset/confirm",
		shared.PasswordResetConfirmRequest{Token: link, NewPassword: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
	k.ts.Browser().Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
}

// TestAccounts_LoggingInToAnAccountWithoutAPasswordDoesTheSameWork: the
// password check of such an account runs one argon2id derivation, as for
// a wrong password and an unknown email (OWASP ASVS 2.2), so timing does
// not tell which accounts have no password.
func TestAccounts_LoggingInToAnAccountWithoutAPasswordDoesTheSameWork(t *testing.T) {
	hasher := auth.NewHasher(auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1})
	k := newKit(t, apitest.WithConfig(func(c *auth.Config) { c.Hasher = hasher }))
	k.signIn(person("ann"))
	k.ts.Browser().Register("bob@example.com", "Bob")
	for _, email := range []string{"ann@example.com", "bob@example.com", "nobody@example.com"} {
		before := hasher.Derivations()
		k.ts.Browser().Login(email, "not the password").ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCredentials)
		if n := hasher.Derivations() - before; n != 1 {
			t.Errorf("logging in as %s ran %d derivations, want 1", email, n)
		}
	}
}

// TestAccounts_AResetOfAnUnconfirmedAccountDisconnectsItsProviders: a
// provider that does not vouch for the address still makes an account,
// unconfirmed; if that was someone else's provider account, the owner of
// the address takes it back with a reset link, and the provider account
// no longer signs in (pre-hijacking through a provider).
func TestAccounts_AResetOfAnUnconfirmedAccountDisconnectsItsProviders(t *testing.T) {
	k := newKit(t)
	squatter := unvouched("cy")
	k.signIn(squatter)

	k.ts.TokenClient().Do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: "cy@example.com"}).
		ExpectStatus(t, http.StatusAccepted)
	link := k.ts.MailToken("cy@example.com", "Set a password for your account")
	k.ts.TokenClient().Do("POST", "/api/auth/password-reset/confirm",
		shared.PasswordResetConfirmRequest{Token: link, NewPassword: apitest.Password}).ExpectStatus(t, http.StatusNoContent)

	owner := k.ts.Browser()
	owner.Login("cy@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	if ids := k.identities(owner); len(ids) != 0 {
		t.Fatalf("identities after the reset: %+v", ids)
	}
	if u := k.me(owner); !u.EmailVerified {
		t.Errorf("the reset proved the address, yet user = %+v", u)
	}
	// The provider account signs in no more to this account: it is an
	// unknown identity now, whose address has an account, so it is refused.
	k.idp.Approve(squatter)
	expectFailure(t, k.walk(k.ts.Browser(), "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureAccountExists, "oidc")
}

// resetPassword takes the account of addr back by its mailed reset link,
// as its owner would, and returns a browser logged in with the new
// password (no second factor asked).
func (k *kit) resetPassword(addr string) *apitest.Client {
	k.t.Helper()
	before := len(k.ts.MailSubjects(addr))
	k.ts.TokenClient().Do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: addr}).
		ExpectStatus(k.t, http.StatusAccepted)
	// The mail goes in the background; its subject depends on whether
	// the account has a password yet.
	var subjects []string
	for tries := 0; len(subjects) <= before; tries++ {
		if tries == 200 {
			k.t.Fatalf("no reset mail to %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
		subjects = k.ts.MailSubjects(addr)
	}
	token := k.ts.MailToken(addr, subjects[len(subjects)-1])
	k.ts.TokenClient().Do("POST", "/api/auth/password-reset/confirm",
		shared.PasswordResetConfirmRequest{Token: token, NewPassword: apitest.Password}).ExpectStatus(k.t, http.StatusNoContent)
	owner := k.ts.Browser()
	owner.Login(addr, apitest.Password).ExpectStatus(k.t, http.StatusOK)
	return owner
}

// expectShutOut checks, after the owner's reset, that their account has
// no provider account left and that the squatter's provider account signs
// in to it no more: it is unknown now, and its address has an account.
func (k *kit) expectShutOut(owner *apitest.Client, squatter ssotest.Person) {
	k.t.Helper()
	if ids := k.identities(owner); len(ids) != 0 {
		k.t.Fatalf("identities after the reset: %+v", ids)
	}
	k.idp.Approve(squatter)
	expectFailure(k.t, k.walk(k.ts.Browser(), "/api/auth/oauth/oidc/start"), "/login", sharedsso.FailureAccountExists, "oidc")
}

// TestAccounts_AResetDisconnectsAProviderThatNeverVouchedForTheAddress:
// someone makes an account with another person's address through a
// provider that does not vouch for it. The owner opens the confirmation
// link that sign-up mailed them (against its advice), then takes the
// account back with a reset: the squatter's provider account goes all the
// same, and signs in here no more.
func TestAccounts_AResetDisconnectsAProviderThatNeverVouchedForTheAddress(t *testing.T) {
	k := newKit(t)
	squatter := unvouched("cy")
	k.signIn(squatter)
	k.ts.ConfirmEmail("cy@example.com")

	owner := k.resetPassword("cy@example.com")
	k.expectShutOut(owner, squatter)
}

// TestAccounts_AResetRemovesWhatTheSquatterAddedOnceTheAddressWasConfirmed:
// the same squatter, still signed in through the provider when the owner
// confirms the address, uses the now confirmed address to add ways in of
// their own (another provider account, an authenticator app), and drops
// the provider account that made the account. The reset removes them all:
// what counts is how the account was made, not what is left of it.
func TestAccounts_AResetRemovesWhatTheSquatterAddedOnceTheAddressWasConfirmed(t *testing.T) {
	k := newKit(t, apitest.WithModules(authtotp.Module{}))
	squatter := unvouched("cy")
	s := k.signIn(squatter)
	victim := k.me(s)
	k.ts.ConfirmEmail("cy@example.com")

	squattersGitHub := ssotest.GitHubUser{ID: 66, Login: "sq", Emails: []ssotest.GitHubEmail{{Email: "sq@elsewhere.example", Primary: true, Verified: true}}}
	k.github.Approve(squattersGitHub)
	if got := k.walk(s, "/api/auth/oauth/github/start?link=1"); got != "/profile?connected=github" {
		t.Fatalf("connecting landed on %q", got)
	}
	var setup sharedtotp.SetupResponse
	s.Do("POST", "/api/me/totp/setup", nil).Decode(t, &setup)
	code, _ := totp.GenerateCode(setup.Secret, k.ts.Now())
	s.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: code}).ExpectStatus(t, http.StatusOK)
	for _, id := range k.identities(s) {
		if id.Provider == "oidc" {
			s.Do("DELETE", "/api/me/identities/"+id.ID, nil).ExpectStatus(t, http.StatusNoContent)
		}
	}

	owner := k.resetPassword("cy@example.com") // no code asked: the app is gone
	if ids := k.identities(owner); len(ids) != 0 {
		t.Fatalf("identities after the reset: %+v", ids)
	}
	k.github.Approve(squattersGitHub)
	b := k.ts.Browser()
	k.walk(b, "/api/auth/oauth/github/start")
	if u := k.me(b); u.ID == victim.ID {
		t.Fatalf("the squatter's GitHub account still signs in to %+v", u)
	}
}

// TestAccounts_AResetKeepsTheProviderAccountsTheOwnerHasShown: a reset
// leaves the provider accounts of an account that a provider made
// vouching for its address: that one, and one the signed-in owner
// connected since, whatever its provider says of its address. Both still
// sign in to the account afterwards.
func TestAccounts_AResetKeepsTheProviderAccountsTheOwnerHasShown(t *testing.T) {
	k := newKit(t)
	ann := k.signIn(person("ann")) // the provider vouches for ann@example.com
	account := k.me(ann)
	if !account.EmailVerified {
		t.Fatalf("user = %+v", account)
	}
	k.github.Approve(ssotest.GitHubUser{ID: 7, Login: "ann-gh", Emails: []ssotest.GitHubEmail{{Email: "ann@elsewhere.example", Primary: true}}})
	if got := k.walk(ann, "/api/auth/oauth/github/start?link=1"); got != "/profile?connected=github" {
		t.Fatalf("connecting landed on %q", got)
	}

	owner := k.resetPassword("ann@example.com")
	if ids := k.identities(owner); len(ids) != 2 {
		t.Fatalf("identities after the reset: %+v", ids)
	}
	k.idp.Approve(person("ann"))
	k.github.Approve(ssotest.GitHubUser{ID: 7, Login: "ann-gh"})
	for _, start := range []string{"/api/auth/oauth/oidc/start", "/api/auth/oauth/github/start"} {
		b := k.ts.Browser()
		if got := k.walk(b, start); got != "/profile" {
			t.Fatalf("%s landed on %q", start, got)
		}
		if u := k.me(b); u.ID != account.ID {
			t.Fatalf("%s signed in as %+v", start, u)
		}
	}
}

// TestAccounts_AProviderThatLaterVouchesForTheAddressIsKeptByAReset: an
// account a provider made without vouching for its address is proven
// once the provider vouches for that address at a later sign-in (a
// company provider that starts sending email_verified; the address
// compared as the kit normalises it), and a reset then keeps it. Vouching
// for another address proves nothing.
func TestAccounts_AProviderThatLaterVouchesForTheAddressIsKeptByAReset(t *testing.T) {
	for _, c := range []struct {
		later string
		kept  int
	}{
		{"CY@Example.com", 1},
		{"cy@elsewhere.example", 0},
	} {
		t.Run(c.later, func(t *testing.T) {
			k := newKit(t)
			k.signIn(unvouched("cy"))
			k.ts.ConfirmEmail("cy@example.com")
			vouched := person("cy")
			vouched.Email = c.later
			k.signIn(vouched)

			owner := k.resetPassword("cy@example.com")
			if ids := k.identities(owner); len(ids) != c.kept {
				t.Fatalf("identities after the reset: %+v, want %d", ids, c.kept)
			}
		})
	}
}

// TestAccounts_ConfirmingTheAddressWhereSignedInProvesTheProviderAccount:
// the person who signed up through a provider that does not vouch for the
// address opens the mailed link in the browser signed in through it: they
// hold both the provider account and the mailbox, and a later reset keeps
// the provider account. Opened in a browser signed in to another account,
// the link confirms the address but proves nothing of the sort.
func TestAccounts_ConfirmingTheAddressWhereSignedInProvesTheProviderAccount(t *testing.T) {
	for _, c := range []struct {
		name string
		own  bool
		kept int
	}{
		{"in the account's own session", true, 1},
		{"in another account's session", false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := newKit(t)
			cy := unvouched("cy")
			b := k.signIn(cy)
			if !c.own {
				b = k.ts.Browser()
				b.Register("someone@example.com", "Someone")
			}
			token := k.ts.MailToken("cy@example.com", "Confirm your email address")
			b.Do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: token}).ExpectStatus(t, http.StatusOK)

			owner := k.resetPassword("cy@example.com")
			if ids := k.identities(owner); len(ids) != c.kept {
				t.Fatalf("identities after the reset: %+v, want %d", ids, c.kept)
			}
		})
	}
}

// TestAccounts_AnEmailChangeDoesNotWashTheMarkOut: the squatter moves the
// account to an address of their own, has the provider vouch for that
// one, and moves it back to the owner's address, which the owner
// confirms (the same click as the sign-up's mail). The provider vouched
// for another address than the one the account was made with: the reset
// still removes the squatter's provider account.
func TestAccounts_AnEmailChangeDoesNotWashTheMarkOut(t *testing.T) {
	k := newKit(t, apitest.WithModules(account.Module{}))
	squatter := unvouched("cy")
	s := k.signIn(squatter)
	k.ts.ConfirmEmail("cy@example.com")

	move := func(to string) {
		t.Helper()
		s.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: to}).ExpectStatus(t, http.StatusAccepted)
		token := k.ts.MailToken(to, "Confirm your new email address")
		k.ts.TokenClient().Do("POST", "/api/auth/confirm-email-change", shared.ConfirmEmailChangeRequest{Token: token}).
			ExpectStatus(t, http.StatusOK)
	}
	move("sq@elsewhere.example")
	vouched := person("cy")
	vouched.Email = "sq@elsewhere.example"
	s = k.signIn(vouched)
	move("cy@example.com")

	owner := k.resetPassword("cy@example.com")
	k.expectShutOut(owner, squatter)
}

// TestAccounts_AVouchingProviderIsNotConnectedToAnUnprovenAccount: a
// squatter makes an account with the owner's address through a provider
// that does not vouch for it, and the owner opens the confirmation link
// that sign-up mailed them. When the owner then signs in with a provider
// that vouches for the address, the account is still one nobody proved:
// connecting the owner's provider account to it would sign the owner in
// to the squatter's account, and that provider's vouching at the next
// sign-in would clear the mark and keep the squatter in past the owner's
// reset. It is refused as for an unconfirmed account (account_exists),
// and the reset shuts the squatter out.
func TestAccounts_AVouchingProviderIsNotConnectedToAnUnprovenAccount(t *testing.T) {
	k := newKit(t)
	squatter := unvouched("cy")
	s := k.signIn(squatter)
	k.ts.ConfirmEmail("cy@example.com")

	for range 2 {
		victim := k.ts.Browser()
		k.google.Approve(person("cy"))
		expectFailure(t, k.walk(victim, "/api/auth/oauth/google/start"), "/login", sharedsso.FailureAccountExists, "google")
		k.expectSignedOut(victim)
	}
	if ids := k.identities(s); len(ids) != 1 || ids[0].Provider != "oidc" {
		t.Fatalf("identities = %+v", ids)
	}

	owner := k.resetPassword("cy@example.com")
	k.expectShutOut(owner, squatter)
}

// TestAccounts_AfterAResetTheAccountIsTheOwners: the reset that took a
// marked account back clears the mark, so what the owner adds afterwards
// (here, the provider account connected again from the profile) stays
// through the next reset.
func TestAccounts_AfterAResetTheAccountIsTheOwners(t *testing.T) {
	k := newKit(t)
	cy := unvouched("cy")
	k.signIn(cy)
	k.ts.ConfirmEmail("cy@example.com")
	owner := k.resetPassword("cy@example.com")

	k.idp.Approve(cy)
	if got := k.walk(owner, "/api/auth/oauth/oidc/start?link=1"); got != "/profile?connected=oidc" {
		t.Fatalf("connecting landed on %q", got)
	}
	owner = k.resetPassword("cy@example.com")
	if ids := k.identities(owner); len(ids) != 1 {
		t.Fatalf("identities after the second reset: %+v", ids)
	}
}
