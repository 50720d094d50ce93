package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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

// TestBrowser_SkipToContentLeavesAConfirmedAddressConfirmed: "Skip to
// content", the first stop of the keyboard on every page, is an in-page
// link (#main), and go-app tells the page it was navigated to again. The
// page of a mailed confirmation link posted its token again then: spent,
// the server refused it, and the page said the link was used, in place of
// the address being confirmed.
func TestBrowser_SkipToContentLeavesAConfirmedAddressConfirmed(t *testing.T) {
	s := startServer(t)
	s.register(t, "Kim", "kim@example.com", "kim's long passphrase")
	b := newBrowser(t, s, "kim")
	b.open(s.mailedLink(t, "kim@example.com", "/verify-email"))
	b.waitText("#verify-notice .notice.success", "confirmed")
	b.checkTokenLeftTheAddress("/verify-email")

	b.pressEnter(".skip-link")
	b.poll("focus on the main content", `document.activeElement && document.activeElement.id === "main"`)
	// The app has handled the link (focus moves in the same step); a page
	// that posts the token again drops its notice at the next frame, well
	// within this wait.
	notice := eval[string](b, `new Promise(done => setTimeout(() => done(document.getElementById("verify-notice").textContent), 500))`, chromedp.EvalAwaitPromise)
	if !strings.Contains(notice, "is confirmed") {
		t.Errorf("after Skip to content the page says %q, want the address confirmed", notice)
	}
}
