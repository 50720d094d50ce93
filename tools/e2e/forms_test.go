package e2e

import (
	"fmt"
	"testing"
	"time"
)

// Forms whose fields the page clears or swaps: go-app reuses an input
// when another field takes its place, and does not write an empty value
// into it, so what the box shows must be checked in a browser.

// boxHolds returns the value of the input with id, once it is on the
// page: the page's own writes to it happen in the same frame that draws
// it (Page.ClearFields).
func (b *browser) boxHolds(id string) string {
	b.t.Helper()
	b.poll("#"+id+" shows", fmt.Sprintf(`!!document.getElementById(%q)`, id))
	return eval[string](b, fmt.Sprintf(`document.getElementById(%q).value`, id))
}

// TestBrowser_StartingOverFromACodeStepLeavesNoCodeInTheEmailBox: a
// sign-in provider (or a passkey) sends an account with a second factor
// to /login?mfa_token=…, the code step, with nothing typed in the
// password form. Start over draws that form in the code step's place, its
// email box in the code box: the box must not keep the code, which the
// form does not hold (sending it asked to enter an email address the box
// seemed to have).
func TestBrowser_StartingOverFromACodeStepLeavesNoCodeInTheEmailBox(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "sso-visitor")
	b.open("/login?mfa_token=not-a-real-token&methods=totp,recovery_code")
	b.waitText("#mfa-prompt", "6-digit code")
	b.fill("code", "123456")
	b.click("#mfa-cancel")
	if got := b.boxHolds("email"); got != "" {
		t.Errorf("after Start over the email box holds %q, want it empty", got)
	}
}

// TestBrowser_AskingAgainEmptiesTheReauthDialogsBox: the action that
// opened the re-authentication dialog stays on the page, and pressing it
// again asks again: the dialog starts afresh, its form empty. Its box
// must empty too: it kept the password typed so far, while the form held
// none, so Confirm said to enter the password the box showed.
func TestBrowser_AskingAgainEmptiesTheReauthDialogsBox(t *testing.T) {
	const window = 2 * time.Second
	s := startServer(t, "--reauth-window", window.String())
	b := newBrowser(t, s, "ray")
	const email, password = "ray@example.com", "a long and unguessable phrase"
	b.signUp("Ray", email, password)
	b.confirmEmail(s, email)
	time.Sleep(window + time.Second)

	b.click("#totp-setup")
	b.waitText("#totp-reauth-title", "Confirm it's you")
	b.fill("totp-reauth-password", "half of my pass")
	b.click("#totp-setup") // focus goes to the button, then back to the dialog's box once it asks again
	b.poll("the dialog asks again", `document.activeElement && document.activeElement.id === "totp-reauth-password"`)
	if got := b.boxHolds("totp-reauth-password"); got != "" {
		t.Errorf("asked again, the dialog's password box holds %q, want it empty", got)
	}
}
