package e2e

import (
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
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
