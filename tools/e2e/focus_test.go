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
