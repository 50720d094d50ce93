package e2e

import "testing"

// Focus after an action that takes away the control that had it: it goes
// somewhere sensible, never to the page's body (where a keyboard user
// starts over from the top) nor to a control that does something else.

// TestBrowser_SigningOutASessionLeavesFocusOnItsList: the row whose
// Sign out had focus goes; focus goes to the list's heading, not to the
// next row's Sign out (go-app reuses the row's elements), where a second
// press of Enter would sign out another device.
func TestBrowser_SigningOutASessionLeavesFocusOnItsList(t *testing.T) {
	s := startServer(t)
	s.register(t, "Dora Writer", "dora@example.com", "dora's long passphrase") // a session of its own
	phone := newBrowser(t, s, "dora's phone")
	phone.open("/login")
	phone.signIn("dora@example.com", "dora's long passphrase")
	phone.waitPath("/profile")

	dora := newBrowser(t, s, "dora")
	dora.open("/login")
	dora.signIn("dora@example.com", "dora's long passphrase")
	dora.waitPath("/profile")
	dora.poll("three sessions", `document.querySelectorAll("#sessions .session").length === 3`)
	// The first row that is not this device's: the phone's, the newest.
	dora.click(`#sessions .session:not(:has(.badge)) button`)
	dora.waitText("#sessions-notice .notice.success", "Signed out")
	dora.poll("two sessions", `document.querySelectorAll("#sessions .session").length === 2`)
	dora.checkFocus("after signing out a session", "#sessions-heading")
	dora.checkConsole()
}

// TestBrowser_AMailedLinkFormGivesFocusToTheWayOn: the forms of the
// password reset go once they have done their work (or the link proved
// used); focus goes to the link that leads on.
func TestBrowser_AMailedLinkFormGivesFocusToTheWayOn(t *testing.T) {
	s := startServer(t)
	s.register(t, "Dora Writer", "dora@example.com", "dora's long passphrase")
	dora := newBrowser(t, s, "dora")

	dora.open("/forgot-password")
	dora.fill("email", "dora@example.com")
	dora.click("#forgot-password-form button[type=submit]")
	dora.waitText(`#forgot-notice .notice.success[role="alert"]`, "link")
	dora.checkFocus("after asking for a link", "#back-to-login")

	link := s.mailedLink(t, "dora@example.com", "/reset-password")
	dora.open(link)
	dora.fill("new_password", "a brand new passphrase")
	dora.click("#reset-password-form button[type=submit]")
	dora.waitText(`#reset-notice .notice.success`, "Your password has been changed")
	dora.checkFocus("after the reset", "#go-login")

	dora.open(link) // used already
	dora.fill("new_password", "another new passphrase")
	dora.click("#reset-password-form button[type=submit]")
	dora.waitText(`#reset-notice .notice.error`, "Ask for a new one")
	dora.checkFocus("after the used link's refusal", "#ask-again")
	dora.checkConsole()
}

// TestBrowser_TryAgainKeepsFocusAtHand: a page that could not load
// offers Try again, whose place a spinner takes while it loads. Failing
// again, focus goes back to the new Try again (not the page's body, from
// where a keyboard user would tab through the whole header to reach it);
// loading at last, focus goes to the page's content.
func TestBrowser_TryAgainKeepsFocusAtHand(t *testing.T) {
	s := startServer(t)
	dora := newBrowser(t, s, "dora")
	dora.signUp("Dora Writer", "dora@example.com", "dora's long passphrase")
	in := dora.intercept()
	in.set("GET /api/notes", proxyErrorPage)
	dora.click(`.site-nav a[href="/notes"]`)
	dora.waitText(`.notice.error[role="alert"]`, "The service is unavailable right now.")

	dora.click("#retry")
	dora.poll("the second try fails", `performance.getEntriesByType("resource").filter(e => new URL(e.name).pathname === "/api/notes").length === 2 && !!document.querySelector("#retry")`)
	dora.checkFocus("after Try again failed again", "#retry")

	in.clear("GET /api/notes")
	dora.click("#retry")
	dora.waitText("#no-notes", "No notes yet")
	dora.checkFocus("after Try again loaded the page", "#main")
	dora.checkConsole()
}
