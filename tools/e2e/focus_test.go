package e2e

import (
	"fmt"
	"testing"
)

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

// TestBrowser_TryAgainKeepsFocusAtHand: a page, or a part of one, that
// could not load offers Try again, whose place a spinner takes while it
// works. Failing again, focus goes back to the new Try again (not the
// page's body, from where a keyboard user would tab through the whole
// header to reach it); loading at last, focus goes to what loaded: the
// page's content, the card's heading, or the way on.
func TestBrowser_TryAgainKeepsFocusAtHand(t *testing.T) {
	s, _ := startServerWithSSO(t)
	s.createSuperuser(t, "boss@example.com", "The Boss", "boss password 123")
	asStaff := func(b *browser) {
		b.open("/login?next=/admin")
		b.signIn("boss@example.com", "boss password 123")
		b.waitPath("/admin")
	}
	for _, c := range []struct {
		name  string
		fails string // the request that fails until the last try
		reach func(t *testing.T, b *browser, in *interceptor, email string)
		retry string // the Try again button
		// loaded is true once the last try has loaded what failed, and
		// focus is where focus is then.
		loaded, focus string
	}{
		{
			name: "notes page", fails: "GET /api/notes", retry: "#retry",
			reach: func(t *testing.T, b *browser, in *interceptor, email string) {
				b.signUp("Dora Writer", email, "dora's long passphrase")
				in.set("GET /api/notes", proxyErrorPage)
				b.click(`.site-nav a[href="/notes"]`)
			},
			loaded: `!!document.querySelector("#no-notes")`, focus: "#main",
		},
		{
			name: "sessions", fails: "GET /api/me/sessions", retry: "#sessions-retry",
			loaded: `!!document.querySelector("ul#sessions-list")`, focus: "#sessions-heading",
		},
		{
			name: "activity", fails: "GET /api/me/activity", retry: "#activity #retry",
			loaded: `!!document.querySelector("#activity-list")`, focus: "#activity-heading",
		},
		{
			name: "two-factor", fails: "GET /api/me/totp", retry: "#totp-retry",
			loaded: `!!document.querySelector("#totp-needs-confirmed-email")`, focus: "#totp-heading",
		},
		{
			name: "passkeys", fails: "GET /api/me/passkeys", retry: "#passkeys-retry",
			loaded: `!!document.querySelector("#no-passkeys")`, focus: "#passkeys-heading",
		},
		{
			name: "connected accounts", fails: "GET /api/me/identities", retry: "#connected-retry",
			loaded: `!!document.querySelector("#no-identities")`, focus: "#connected-heading",
		},
		{
			name: "admin users", fails: "GET /api/admin/users", retry: "#users-retry",
			reach: func(t *testing.T, b *browser, in *interceptor, email string) {
				in.set("GET /api/admin/users", proxyErrorPage)
				asStaff(b)
			},
			loaded: `!!document.querySelector("#users")`, focus: "#users-heading",
		},
		{
			name: "audit log", fails: "GET /api/admin/events", retry: "#audit-list-retry",
			reach: func(t *testing.T, b *browser, in *interceptor, email string) {
				in.set("GET /api/admin/events", proxyErrorPage)
				asStaff(b)
			},
			loaded: `document.querySelector("#audit").textContent.includes("Nothing yet.")`, focus: "#audit-heading",
		},
		{
			name: "a user's activity", fails: "GET /api/admin/events", retry: "#user-events-list-retry",
			reach: func(t *testing.T, b *browser, in *interceptor, email string) {
				s.register(t, "Una", email, "una's long passphrase")
				asStaff(b)
				b.waitText("#users", email)
				b.waitText("#audit", "Nothing yet.")
				in.set("GET /api/admin/events", proxyErrorPage)
				b.click(`button[aria-label="Activity of ` + email + `"]`)
			},
			loaded: `!!document.querySelector("#user-events-list")`, focus: "#user-events-heading",
		},
		{
			name: "email confirmation", fails: "POST /api/auth/verify-email", retry: "#retry",
			reach: func(t *testing.T, b *browser, in *interceptor, email string) {
				s.register(t, "Vic", email, "vic's long passphrase")
				in.set("POST /api/auth/verify-email", proxyErrorPage)
				b.open(s.mailedLink(t, email, "/verify-email"))
			},
			loaded: `!!document.querySelector("#go-profile")`, focus: "#go-profile",
		},
		{
			name: "email change", fails: "POST /api/auth/confirm-email-change", retry: "#retry",
			reach: func(t *testing.T, b *browser, in *interceptor, email string) {
				b.signUp("Cy", email, "cy's long passphrase")
				b.fill("email-new_email", "new."+email)
				b.fill("email-current_password", "cy's long passphrase")
				b.click("#email-form button[type=submit]")
				b.waitText("#email-notice .notice.success", "We sent a link")
				in.set("POST /api/auth/confirm-email-change", proxyErrorPage)
				b.open(s.mailedLink(t, "new."+email, "/confirm-email"))
			},
			loaded: `!!document.querySelector("#go-profile")`, focus: "#go-profile",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newBrowser(t, s, fileSafe(c.name))
			in := b.intercept()
			email := fileSafe(c.name) + "@example.com"
			if c.reach == nil { // a card of the profile, where signing up leads
				c.reach = func(t *testing.T, b *browser, in *interceptor, email string) {
					in.set(c.fails, proxyErrorPage)
					b.signUp("Pat Profile", email, "pat's long passphrase")
				}
			}
			c.reach(t, b, in, email)
			b.waitText(c.retry, "Try again")

			// The answer waits until the spinner shows, as on a slow network.
			release := in.hold(c.fails, proxyErrorPage)
			b.pressEnter(c.retry)
			b.poll("a spinner takes Try again's place", fmt.Sprintf(`!document.querySelector(%q)`, c.retry))
			release()
			b.waitText(c.retry, "Try again")
			b.checkFocus("after Try again failed again", c.retry)

			in.clear(c.fails)
			b.pressEnter(c.retry)
			b.poll("the last try loads", c.loaded)
			b.checkFocus("after Try again loaded", c.focus)
			b.checkConsole()
		})
	}
}
