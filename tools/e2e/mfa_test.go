package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// setClipboardWrite allows or refuses the pages' writes to the clipboard.
func (b *browser) setClipboardWrite(setting cdpbrowser.PermissionSetting) {
	b.t.Helper()
	b.do("set the clipboard permission", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: "clipboard-write"}, Setting: setting,
		})
		return err
	}))
}

// Two-factor authentication with an authenticator app, in the browser:
// the test reads the secret from the profile as a person would copy it
// into their app, and computes the codes the app would show.

// codeAt is the authenticator app's code for the secret at t.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// TestBrowser_TwoFactorWithAnAuthenticatorApp turns the app on from the
// profile, then logs in with the password and a code, and once with a
// recovery code. axe-core checks each state on the way (the setup, the
// recovery codes, the login's code step, with and without an error),
// which TestBrowser_EveryPagePassesAxe never reaches.
func TestBrowser_TwoFactorWithAnAuthenticatorApp(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "tara")
	const email, password = "tara@example.com", "a long and unguessable phrase"
	b.signUp("Tara", email, password)
	b.waitText("#totp-needs-confirmed-email", "first confirm your email address") // until it is confirmed
	b.confirmEmail(s, email)

	// Set up: the QR code and the key as text.
	b.click("#totp-setup")
	b.waitText("#totp-secret", "")
	secret := strings.ReplaceAll(b.text("#totp-secret"), " ", "")
	if len(secret) != 32 {
		t.Fatalf("secret on the page = %q", secret)
	}
	if src := eval[string](b, `document.getElementById("totp-qr").getAttribute("src")`); !strings.HasPrefix(src, "data:image/svg+xml;base64,") {
		t.Fatalf("QR code src = %.40q", src)
	}
	b.poll("the code box has focus", `document.activeElement && document.activeElement.id === "totp-code"`)
	b.screenshot("totp-setup")
	b.settled()
	b.checkA11y("totp-setup-a11y")

	// A wrong code is explained beside the box; the right one turns it on.
	b.fill("totp-code", "000000")
	b.click("#totp-enable-form button[type=submit]")
	b.waitText("#totp-code-error", "does not match")
	b.checkA11y("totp-setup-error-a11y")
	b.fill("totp-code", codeAt(t, secret, time.Now()))
	b.click("#totp-enable-form button[type=submit]")
	b.poll("see ten recovery codes", `document.querySelectorAll("#recovery-codes li").length === 10`)
	recovery := b.text("#recovery-codes li:first-child")
	if len(strings.ReplaceAll(recovery, "-", "")) != 16 {
		t.Fatalf("recovery code = %q", recovery)
	}
	if href := eval[string](b, `document.getElementById("download-codes").getAttribute("href")`); !strings.Contains(href, strings.ReplaceAll(recovery, "-", "-")) {
		t.Errorf("the download link does not hold the codes: %.80q", href)
	}
	b.screenshot("recovery-codes")
	b.settled()
	b.checkA11y("recovery-codes-a11y")
	// Copy says the codes were copied only once the browser has: refused,
	// it says to use Download instead.
	b.setClipboardWrite(cdpbrowser.PermissionSettingDenied)
	b.click("#copy-codes")
	b.waitText("#totp-notice", "did not let the page copy")
	b.setClipboardWrite(cdpbrowser.PermissionSettingGranted)
	b.click("#copy-codes")
	b.waitText("#totp-notice", "Copied the recovery codes.")
	b.click("#codes-done")
	b.waitText("#totp-on", "On")
	b.waitText("#recovery-left", "10 of 10")

	// The next login asks for a code. The app's next code (a step ahead,
	// within the allowed drift) is one not used yet.
	b.click("#logout")
	b.waitPath("/login")
	b.fill("email", email)
	b.fill("password", password)
	b.click("#login-form button[type=submit]")
	b.waitText("#mfa-prompt", "6-digit code from your authenticator app")
	b.poll("the code box has focus", `document.activeElement && document.activeElement.id === "code"`)
	// The code box takes the place of the email box: it must not start out
	// holding the address, for the code to be typed after it.
	if got := eval[string](b, `document.getElementById("code").value`); got != "" {
		t.Errorf("the code box starts out holding %q, want it empty", got)
	}
	b.screenshot("login-code")
	b.settled()
	b.checkA11y("login-code-a11y")
	b.fill("code", "123456")
	b.click("#mfa-form button[type=submit]")
	b.waitText("#code-error", "not right")
	b.checkA11y("login-code-error-a11y")
	b.fill("code", codeAt(t, secret, time.Now().Add(30*time.Second)))
	b.click("#mfa-form button[type=submit]")
	b.waitPath("/profile")
	b.waitText("#sessions li.session .session-method", "password + code")

	// A recovery code works once.
	b.click("#logout")
	b.waitPath("/login")
	b.fill("email", email)
	b.fill("password", password)
	b.click("#login-form button[type=submit]")
	b.click("#mfa-switch")
	b.waitText("#mfa-prompt", "recovery codes")
	b.checkA11y("login-recovery-code-a11y")
	b.fill("code", recovery)
	b.click("#mfa-form button[type=submit]")
	b.waitPath("/profile")
	b.waitText("#recovery-left", "9 of 10")
	b.checkConsole()
}

// TestBrowser_SensitiveActionsAskForThePasswordAgain runs with a short
// re-authentication window: past it, setting up an app opens the dialog,
// and once the password is confirmed the setup goes on by itself; so does
// turning it on with a code, past the window again; the password change's
// dialog then offers a code. The dialog is checked with axe-core, with and
// without an error.
func TestBrowser_SensitiveActionsAskForThePasswordAgain(t *testing.T) {
	const window = 5 * time.Second // what follows a re-authentication must fit in it on a busy machine
	s := startServer(t, "--reauth-window", window.String())
	b := newBrowser(t, s, "rene")
	const email, password = "rene@example.com", "a long and unguessable phrase"
	b.signUp("René", email, password)
	b.confirmEmail(s, email)
	time.Sleep(window + time.Second)

	b.click("#totp-setup")
	b.waitText("#totp-reauth-title", "Confirm it's you")
	b.poll("the password box has focus", `document.activeElement && document.activeElement.id === "totp-reauth-password"`)
	b.screenshot("reauth")
	b.checkA11y("reauth-a11y")
	b.fill("totp-reauth-password", "not my password")
	b.click("#totp-reauth-form button[type=submit]")
	b.waitText("#totp-reauth-password-error", "not your password")
	b.checkA11y("reauth-error-a11y")
	b.fill("totp-reauth-password", password)
	b.click("#totp-reauth-form button[type=submit]")
	b.waitText("#totp-secret", "")
	b.poll("the dialog has closed", `!document.getElementById("totp-reauth-dialog")`)

	// Turning it on needs a recent session too: a setup left open past
	// the window asks again, then sends the code it holds by itself.
	secret := strings.ReplaceAll(b.text("#totp-secret"), " ", "")
	time.Sleep(window + time.Second)
	b.fill("totp-code", codeAt(t, secret, time.Now()))
	b.click("#totp-enable-form button[type=submit]")
	b.waitText("#totp-reauth-title", "Confirm it's you")
	b.fill("totp-reauth-password", password)
	b.click("#totp-reauth-form button[type=submit]")
	b.poll("see ten recovery codes", `document.querySelectorAll("#recovery-codes li").length === 10`)
	b.poll("the dialog has closed", `!document.getElementById("totp-reauth-dialog")`)

	// The profile's own dialog, the password change's, knows without a
	// reload that the app is on: it offers a code instead.
	b.click("#codes-done")
	time.Sleep(window + time.Second)
	b.fill("current_password", password)
	b.fill("new_password", "another long and unguessable phrase")
	b.click("#password-form button[type=submit]")
	b.waitText("#password-reauth-title", "Confirm it's you")
	b.click("#password-reauth-switch")
	b.poll("the code box has focus", `document.activeElement && document.activeElement.id === "password-reauth-code"`)
	b.click("#password-reauth-cancel")
	b.poll("the dialog has closed", `!document.getElementById("password-reauth-dialog")`)
	// Focus goes back to the button that led to the dialog.
	b.poll("focus is back on Change password", `document.activeElement === document.querySelector("#password-form button[type=submit]")`)
	b.checkConsole()
}
