package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/authkit/authkit/server/sso/ssotest"
)

// Passkeys in the browser, with Chromium's virtual authenticator standing
// in for a phone or a laptop's fingerprint reader (the DevTools WebAuthn
// domain): a platform authenticator that keeps discoverable credentials
// and verifies its user, and answers without a touch.

// addVirtualAuthenticator gives the browser its authenticator. cdproto
// sends every boolean, so presence and verification are switched on here
// explicitly, or ceremonies wait forever.
func (b *browser) addVirtualAuthenticator() webauthn.AuthenticatorID {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		b.t.Fatalf("%s: WebAuthn.enable: %v", b.name, err)
	}
	res, err := chromedp.Call(b.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Ctap2version:                webauthn.Ctap2versionCtap21,
			Transport:                   webauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		b.t.Fatalf("%s: WebAuthn.addVirtualAuthenticator: %v", b.name, err)
	}
	return res.AuthenticatorID
}

// withoutPasskeyAutofill hides conditional mediation from the pages this
// browser opens until the returned function is called. The login page
// asks for a passkey in the background for the email field's autofill,
// and a virtual authenticator answers that at once, with nobody picking:
// hiding it lets the test press "Sign in with a passkey" itself.
func (b *browser) withoutPasskeyAutofill() (restore func()) {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `PublicKeyCredential.isConditionalMediationAvailable = async () => false;`,
	})
	if err != nil {
		b.t.Fatalf("%s: hiding passkey autofill: %v", b.name, err)
	}
	return func() {
		_, err := chromedp.Call(b.ctx, page.RemoveScriptToEvaluateOnNewDocument, page.RemoveScriptToEvaluateOnNewDocumentParams{Identifier: res.Identifier})
		if err != nil {
			b.t.Fatalf("%s: restoring passkey autofill: %v", b.name, err)
		}
	}
}

// TestBrowser_PasskeySignsInWithoutAPassword adds a passkey on the
// profile, logs out, and signs in with "Sign in with a passkey" alone;
// then once more through the login page's autofill request. The Passkeys
// card and the login page's passkey button, which only a host name shows
// (TestBrowser_EveryPagePassesAxe runs on 127.0.0.1), are checked with
// axe-core.
func TestBrowser_PasskeySignsInWithoutAPassword(t *testing.T) {
	s := startLocalhostServer(t)
	b := newBrowser(t, s, "pia")
	id := b.addVirtualAuthenticator()
	restoreAutofill := b.withoutPasskeyAutofill()
	const email = "pia@example.com"
	b.signUp("Pia", email, "a long and unguessable phrase")
	// Adding a passkey needs a confirmed address: until then the card says
	// so instead of offering the form.
	b.waitText("#passkey-needs-confirmed-email", "first confirm your email address")
	b.settled()
	eval[bool](b, `(document.getElementById("totp").scrollIntoView({block: "start"}), true)`) // the two cards that say so
	b.screenshot("passkeys-unconfirmed")
	b.checkA11y("passkeys-unconfirmed-a11y")
	b.confirmEmail(s, email)
	b.settled()
	b.checkA11y("profile-no-passkeys-a11y")

	b.fill("passkey-name", "Test laptop")
	b.click("#passkey-form button[type=submit]")
	b.waitText("#passkey-add-notice .notice.success", "added")
	b.waitText("#passkeys .passkey-name", "Test laptop")
	creds, err := chromedp.Call(b.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
	if err != nil || len(creds.Credentials) != 1 || !creds.Credentials[0].IsResidentCredential {
		t.Fatalf("the authenticator holds %+v (%v), want one discoverable credential", creds, err)
	}
	b.screenshot("passkeys")
	b.settled()
	b.checkA11y("passkeys-a11y")

	b.click("#logout")
	b.waitPath("/login")
	b.waitApp()
	b.screenshot("login-passkey")
	b.settled()
	b.checkA11y("login-passkey-a11y")
	b.click("#passkey-login-button")
	b.waitPath("/profile")
	b.waitText("#account-email", email)
	b.waitText("#sessions li.session .session-method", "passkey")
	b.waitText("#passkeys .passkey-meta", "last used")

	// The login page also asks for a passkey for the email field's
	// autofill (conditional mediation); the virtual authenticator picks
	// the one passkey at once, so the page signs in by itself.
	restoreAutofill()
	b.click("#logout")
	b.waitPath("/login")
	b.open("/login")
	b.waitPath("/profile")
	b.waitText("#account-email", email)
	b.checkConsole()
}

// addPasskey adds a passkey from the profile's Passkeys card (the
// session must be recent).
func (b *browser) addPasskey(name string) {
	b.t.Helper()
	b.fill("passkey-name", name)
	b.click("#passkey-form button[type=submit]")
	b.waitText("#passkey-add-notice .notice.success", "added")
	b.waitText("#passkeys .passkey-name", name)
}

// deletePasskey presses the first passkey's Delete, then confirms.
func (b *browser) deletePasskey() {
	b.t.Helper()
	b.click("#passkeys li.passkey button.small")
	b.waitText("#passkey-delete-text", "Delete the passkey")
	b.click("#passkey-delete-confirm")
}

// TestBrowser_ASecondPasskeyOnTheSameDeviceIsRefusedInPlainWords: the
// server lists the account's passkeys for the browser to exclude, so a
// device that holds one already refuses to make another; the card says
// so in plain words, not in the browser's (“relying party”), and the
// button works again, with focus on it.
func TestBrowser_ASecondPasskeyOnTheSameDeviceIsRefusedInPlainWords(t *testing.T) {
	s := startLocalhostServer(t)
	b := newBrowser(t, s, "pat")
	b.addVirtualAuthenticator()
	b.signUp("Pat", "pat@example.com", "a long and unguessable phrase")
	b.confirmEmail(s, "pat@example.com")
	b.addPasskey("Laptop")

	b.fill("passkey-name", "Laptop again")
	b.click("#passkey-form button[type=submit]")
	b.waitText("#passkey-add-notice .notice.error", "This device already holds a passkey for your account.")
	if got := b.text("#passkey-add-notice"); strings.Contains(got, "relying party") || strings.Contains(got, "authenticator") {
		t.Errorf("the notice speaks the browser's jargon: %q", got)
	}
	b.waitUsable("#passkey-form button[type=submit]")
	b.checkFocus("after the refusal", "#passkey-form button[type=submit]")
	if n := eval[int](b, `document.querySelectorAll("#passkeys li.passkey").length`); n != 1 {
		t.Errorf("the card lists %d passkeys, want 1", n)
	}
	b.checkConsole()
}

// TestBrowser_ALongPasskeyNameFitsAPhone: a passkey's name (up to 100
// characters) without a space to break at fits a 360 px screen, in the
// list and in the confirmation that quotes it.
func TestBrowser_ALongPasskeyNameFitsAPhone(t *testing.T) {
	s := startLocalhostServer(t)
	b := newBrowser(t, s, "lou")
	b.addVirtualAuthenticator()
	b.signUp("Lou", "lou@example.com", "a long and unguessable phrase")
	b.confirmEmail(s, "lou@example.com")
	b.addPasskey(strings.Repeat("MyVeryLongDeviceName", 3))
	b.checkNarrow("passkey-long-name-360")
	b.click("#passkeys li.passkey button.small")
	b.waitText("#passkey-delete-text", "Delete the passkey")
	b.checkNarrow("passkey-long-name-confirm-360")
}

// TestBrowser_PasskeyConfirmsItsYou runs with a short re-authentication
// window: past it, deleting a passkey opens the dialog, which offers "Use
// a passkey" beside the password; the passkey confirms it's you and the
// deletion goes on by itself.
func TestBrowser_PasskeyConfirmsItsYou(t *testing.T) {
	const window = 10 * time.Second // signing up, confirming and adding a passkey fit in it
	s := startLocalhostServer(t, "--reauth-window", window.String())
	b := newBrowser(t, s, "paz")
	b.addVirtualAuthenticator()
	b.signUp("Paz", "paz@example.com", "a long and unguessable phrase")
	b.confirmEmail(s, "paz@example.com")
	signedIn := time.Now()
	b.addPasskey("Laptop")

	// The confirmation closes on Escape, and focus goes back to the
	// passkey's Delete, which opened it.
	b.click("#passkeys li.passkey button.small")
	b.waitText("#passkey-delete-text", "Delete the passkey")
	b.checkFocus("the confirmation opened", "#passkey-delete-cancel")
	b.pressEscape()
	b.poll("the confirmation closes", `!document.getElementById("passkey-delete-panel")`)
	b.poll("focus is back on the passkey's Delete", `document.activeElement && document.activeElement.id.startsWith("delete-passkey-")`)
	time.Sleep(time.Until(signedIn.Add(window + time.Second)))

	b.deletePasskey()
	b.waitText("#passkey-reauth-title", "Confirm it's you")
	b.poll("the password box has focus", `document.activeElement && document.activeElement.id === "passkey-reauth-password"`)
	b.waitText("#passkey-reauth-passkey", "Use a passkey")
	b.settled()
	b.checkA11y("reauth-passkey-a11y")
	b.click("#passkey-reauth-passkey")
	b.poll("the dialog has closed", `!document.getElementById("passkey-reauth-dialog")`)
	b.waitText("#passkeys-notice .notice.success", "Passkey deleted.")
	b.waitText("#no-passkeys", "You have no passkeys yet.")
	// The row that had focus is gone: focus is on the card's heading.
	b.poll("focus is on the card's heading", `document.activeElement && document.activeElement.id === "passkeys-heading"`)
	b.checkConsole()
}

// TestBrowser_PasskeyOnlyAccountKeepsItsLastWayIn: an account a sign-in
// provider made adds a passkey and disconnects the provider, so the
// passkey is its only way in. Past the re-authentication window, deleting
// the passkey opens the dialog with "Use a passkey" as its one proof (no
// "sign in again"); once the passkey has confirmed it's them, the server
// refuses to delete the last way in, and the card says so in plain words.
func TestBrowser_PasskeyOnlyAccountKeepsItsLastWayIn(t *testing.T) {
	const window = 6 * time.Second
	s, idp := startServerWithSSOOn(t, true, "--reauth-window", window.String())
	b := newBrowser(t, s, "oona")
	b.addVirtualAuthenticator()
	idp.Approve(ssotest.Person{Subject: "e2e-oona", Email: "oona@example.com", EmailVerified: true, Name: "Oona"})
	b.open("/login")
	b.clickAway("#sign-in-oidc", "/profile")
	signedIn := time.Now()
	b.waitText("#account-email", "oona@example.com")

	b.addPasskey("Phone")
	b.reload() // the connected accounts card reads the user again: a passkey is a way in
	b.click("#identities button[id^=disconnect-]")
	b.click("#confirm-disconnect")
	b.waitText("#connected-accounts", "No account is connected yet.")
	time.Sleep(time.Until(signedIn.Add(window + time.Second)))

	b.deletePasskey()
	b.waitText("#passkey-reauth-text", "Use a passkey")
	if eval[bool](b, `!!document.getElementById("passkey-reauth-form")`) || b.text("#passkey-reauth-text") == "" {
		t.Errorf("a passkey-only account is asked for a password or a code")
	}
	b.poll("the passkey button has focus", `document.activeElement && document.activeElement.id === "passkey-reauth-passkey"`)
	b.settled()
	b.checkA11y("reauth-passkey-only-a11y")
	b.click("#passkey-reauth-passkey")
	b.poll("the dialog has closed", `!document.getElementById("passkey-reauth-dialog")`)
	b.waitText("#passkeys-notice .notice.error", "This passkey is your only way to sign in")
	b.poll("focus is back on the passkey's Delete", `document.activeElement && document.activeElement.id.startsWith("delete-passkey-")`)
	b.waitText("#passkeys .passkey-name", "Phone")
	b.checkConsole()
}

// TestBrowser_AFailedResetOfSecondFactorsGivesFocusBack: a superuser
// resets the second factors of a user with a passkey while the server is
// gone; the notice says so, and focus goes back to the row's Reset 2FA,
// for another try, instead of staying on the body once the confirmation
// closed.
func TestBrowser_AFailedResetOfSecondFactorsGivesFocusBack(t *testing.T) {
	s := startLocalhostServer(t)
	s.createSuperuser(t, "boss@example.com", "The Boss", "boss password 123")
	paz := newBrowser(t, s, "paz")
	paz.addVirtualAuthenticator()
	paz.signUp("Paz", "paz@example.com", "a long and unguessable phrase")
	paz.confirmEmail(s, "paz@example.com")
	paz.addPasskey("Laptop")

	boss := newBrowser(t, s, "boss")
	boss.open("/login?next=/admin")
	boss.fill("email", "boss@example.com")
	boss.fill("password", "boss password 123")
	boss.click("#login-form button[type=submit]")
	boss.waitPath("/admin")
	boss.waitText("#users", "paz@example.com")

	reset := `button[aria-label="Reset the second factors and passkeys of paz@example.com"]`
	boss.click(reset)
	boss.waitText("#confirm-reset", "Reset")
	s.stop()
	boss.click("#confirm-reset")
	boss.waitText("#admin-notice .notice.error", "Could not reach the server.")
	boss.poll("the confirmation closes", `!document.getElementById("confirm-reset")`)
	boss.poll("focus is back on Paz's Reset 2FA", `document.activeElement === document.querySelector('`+reset+`')`)
}

// TestBrowser_APasskeyAnswersTheLoginsSecondStep: an account with an
// authenticator app and a passkey logs in with its password, and at the
// code step chooses its passkey instead of a code. The step with both
// ways is checked with axe-core.
func TestBrowser_APasskeyAnswersTheLoginsSecondStep(t *testing.T) {
	s := startLocalhostServer(t)
	b := newBrowser(t, s, "sol")
	b.addVirtualAuthenticator()
	b.withoutPasskeyAutofill() // the login page would sign in by itself
	const email, password = "sol@example.com", "a long and unguessable phrase"
	b.signUp("Sol", email, password)
	b.confirmEmail(s, email)
	b.addPasskey("Laptop")
	b.click("#totp-setup")
	b.waitText("#totp-secret", "")
	secret := strings.ReplaceAll(b.text("#totp-secret"), " ", "")
	b.fill("totp-code", codeAt(t, secret, time.Now()))
	b.click("#totp-enable-form button[type=submit]")
	b.poll("see ten recovery codes", `document.querySelectorAll("#recovery-codes li").length === 10`)
	b.click("#codes-done")
	b.waitText("#totp-on", "On")

	b.click("#logout")
	b.waitPath("/login")
	b.signIn(email, password)
	b.waitText("#mfa-prompt", "6-digit code from your authenticator app")
	b.waitText("#mfa-passkey", "Use a passkey instead")
	b.screenshot("login-code-or-passkey")
	b.settled()
	b.checkA11y("login-code-or-passkey-a11y")
	b.click("#mfa-passkey")
	b.waitPath("/profile")
	b.waitText("#sessions li.session .session-method", "password + passkey")
	b.checkConsole()
}
