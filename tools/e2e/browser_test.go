package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// These tests drive the real binary through headless Chromium the way
// people use it. Run them with:
//
//	make build && AUTHKIT_BIN=$PWD/bin/authkit go -C tools test ./e2e/
//
// Screenshots of each page, and of every failure, land in
// test-output/screenshots/.

const (
	annEmail    = "ann@example.com"
	annPassword = "correct horse battery staple"
	annNewPass  = "a different long passphrase"
)

// TestBrowser_AccountLifecycle walks one account from sign-up to a
// second device being signed out remotely, and past an access token's
// expiry.
func TestBrowser_AccountLifecycle(t *testing.T) {
	s := startServer(t)
	laptop := newBrowser(t, s, "laptop")

	// Sign up, and land on the profile.
	laptop.open("/register")
	laptop.screenshot("register")
	laptop.fill("name", "Ann Example")
	laptop.fill("email", annEmail)
	laptop.fill("password", annPassword)
	laptop.waitText("#password-strength", "Strength")
	laptop.click("#register-form button[type=submit]")
	laptop.waitPath("/profile")
	laptop.waitText("#account-email", annEmail)
	if got := laptop.text("#account-name"); got != "Ann Example" {
		t.Errorf("profile name = %q", got)
	}
	laptop.screenshot("profile")
	laptop.checkNarrow("profile-360")

	// A reload keeps the session.
	laptop.reload()
	laptop.waitText("#account-email", annEmail)

	// Log out; the profile is then out of reach.
	laptop.click("#logout")
	laptop.waitPath("/login")
	laptop.open("/profile")
	laptop.waitPath("/login?next=/profile")
	laptop.screenshot("login")
	if n := eval[int](laptop, `localStorage.length + sessionStorage.length`); n != 0 {
		t.Errorf("after logout the browser's storage holds %d items", n)
	}

	// Log in again, and come back to the profile.
	laptop.fill("email", annEmail)
	laptop.fill("password", annPassword)
	laptop.click("#login-form button[type=submit]")
	laptop.waitPath("/profile")
	laptop.waitText("#account-email", annEmail)

	// Rename.
	laptop.fill("name", "Ann Renamed")
	laptop.click("#profile-form button[type=submit]")
	laptop.waitText("#profile-notice .notice.success", "saved")
	laptop.waitText("#account-name", "Ann Renamed")

	// Change the password.
	laptop.fill("current_password", annPassword)
	laptop.fill("new_password", annNewPass)
	laptop.click("#password-form button[type=submit]")
	laptop.waitText("#password-notice .notice.success", "changed")
	laptop.poll("the password boxes are emptied after the change",
		`document.getElementById("current_password").value === "" && document.getElementById("new_password").value === ""`)

	// A second device logs in with the new password...
	phone := newBrowser(t, s, "phone")
	phone.open("/login")
	phone.fill("email", annEmail)
	phone.fill("password", annNewPass)
	phone.click("#login-form button[type=submit]")
	phone.waitPath("/profile")
	phone.waitText("#account-name", "Ann Renamed")

	// ...shows up on the laptop, which signs it out.
	laptop.reload()
	laptop.poll("see two sessions", `document.querySelectorAll("#sessions li.session").length === 2`)
	laptop.waitText("#sessions li.session .badge", "This device")
	laptop.screenshot("sessions")
	laptop.checkNarrow("sessions-360")
	laptop.click("#sessions li.session:not(:has(.badge)) button")
	laptop.waitText("#sessions-notice .notice.success", "Signed out")
	laptop.poll("see one session", `document.querySelectorAll("#sessions li.session").length === 1`)
	lastToken := time.Now() // the laptop's access token is at most this fresh

	// The phone is signed out.
	phone.eventuallySignedOut("/profile")

	// Past the access token's lifetime the laptop's session still works:
	// the app refreshes it without a word.
	time.Sleep(time.Until(lastToken.Add(accessTTL + time.Second)))
	laptop.reload()
	laptop.waitText("#account-email", annEmail)
	if n := laptop.requestsTo("/api/auth/refresh"); n != 1 {
		t.Errorf("refreshes after the access token expired = %d, want 1", n)
	}

	// Log out everywhere ends this session too. The profile's cards load
	// after the account, and each one that arrives moves the button: a
	// click aimed before they have all settled can land beside it.
	laptop.settled()
	laptop.click("#logout-all")
	laptop.waitPath("/login")
	laptop.open("/profile")
	laptop.waitPath("/login?next=/profile")
	laptop.checkConsole()
}

// TestBrowser_StaffDeactivatesAUser: a superuser made on the command line
// finds a user in /admin and deactivates them, which signs them out and
// shows in the user's activity and the audit log; the user could not
// open /admin themselves.
func TestBrowser_StaffDeactivatesAUser(t *testing.T) {
	s := startServer(t)
	s.createSuperuser(t, "boss@example.com", "The Boss", "boss password 123")

	bob := newBrowser(t, s, "bob")
	bob.open("/register")
	bob.fill("name", "Bob Builder")
	bob.fill("email", "bob@example.com")
	bob.fill("password", "bob's long password")
	bob.click("#register-form button[type=submit]")
	bob.waitPath("/profile")

	bob.open("/admin")
	bob.waitText("#no-access h1", "You do not have access")
	bob.screenshot("no-access")

	boss := newBrowser(t, s, "boss")
	boss.open("/login?next=/admin")
	boss.fill("email", "boss@example.com")
	boss.fill("password", "boss password 123")
	boss.click("#login-form button[type=submit]")
	boss.waitPath("/admin")
	boss.waitText("#users", "boss@example.com")

	boss.fill("q", "bob")
	boss.click("#admin-search-form button[type=submit]")
	boss.poll("see only bob", `(() => {
		const rows = document.querySelectorAll("#users tbody tr");
		return rows.length === 1 && rows[0].textContent.includes("bob@example.com");
	})()`)
	boss.screenshot("admin")
	boss.checkNarrow("admin-360")

	boss.click(`button[aria-label="Deactivate bob@example.com"]`)
	boss.waitText("#confirm-panel", "Deactivate bob@example.com?")
	boss.screenshot("confirm")
	boss.click("#confirm-deactivate")
	boss.waitText("#admin-notice .notice.success", "deactivated")
	boss.waitText("#users tbody tr", "Inactive")

	// Bob's activity opens under the table, above the audit log of what
	// staff did; both say who acted.
	boss.waitText("#audit-list", "Account deactivated by staff")
	boss.click(`button[aria-label="Activity of bob@example.com"]`)
	boss.waitText("#user-events-list", "Account deactivated by staff")
	boss.poll("focus on bob's activity", `document.activeElement.id === "user-events-heading"`)
	boss.settled()
	boss.screenshot("admin-audit") // docs/screenshots/admin-audit.png

	bob.eventuallySignedOut("/profile")
	boss.checkConsole()

	// With the server gone, deleting Bob says so; the confirmation closes
	// and focus goes back to his row's Delete, for another try.
	boss.click(`button[aria-label="Delete bob@example.com"]`)
	boss.waitText("#confirm-delete-user-panel", "Delete bob@example.com?")
	s.stop()
	boss.click("#confirm-delete-user-button")
	boss.waitText("#admin-notice .notice.error", "Could not reach the server.")
	boss.poll("the confirmation closes", `!document.getElementById("confirm-delete-user-panel")`)
	boss.poll("focus is back on Bob's Delete", `document.activeElement === document.querySelector('button[aria-label="Delete bob@example.com"]')`)
}

// TestBrowser_FormsExplainWhatIsWrong covers the error paths: a wrong
// password, a form the browser refuses to send, an unknown page, a server
// that cannot be reached.
// TestBrowser_TypingAheadOfTheAppLosesNoKeystroke: the app handles an
// input event when it comes and renders at its next frame, so on a slow
// phone or a busy machine a frame can fall between a keystroke and the
// handling of its event. The script plays that: one keystroke handled
// ("dan"), the next in the box but not yet handled ("dan's"), then
// frames. The box must keep what was typed (it lost the last keystroke,
// and a password typed so was refused as wrong).
func TestBrowser_TypingAheadOfTheAppLosesNoKeystroke(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "typist")
	b.open("/login")
	for _, id := range []string{"email", "password"} {
		got := eval[string](b, fmt.Sprintf(`new Promise(done => {
			const el = document.getElementById(%q);
			el.focus();
			el.value = "dan";
			el.dispatchEvent(new Event("input", {bubbles: true})); // handled at once, before this returns
			el.value = "dan's"; // its input event still to come
			setTimeout(() => done(el.value), 300); // a frame or more
		})`, id), chromedp.EvalAwaitPromise)
		if got != "dan's" {
			t.Errorf("#%s: a frame between a keystroke and its event left %q in the box, want %q", id, got, "dan's")
		}
	}
}

func TestBrowser_FormsExplainWhatIsWrong(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "visitor")

	// Wrong credentials: one calm error, the form ready for another try.
	b.open("/login")
	b.fill("email", "nobody@example.com")
	b.fill("password", "not the password")
	b.click("#login-form button[type=submit]")
	b.waitText(`#login-notice .notice.error[role="alert"]`, "incorrect")
	b.waitUsable("#login-form button[type=submit]")
	b.screenshot("bad-credentials")

	// An invalid sign-up: errors beside each field, focus on the first,
	// and no request at all.
	b.open("/register")
	b.fill("email", "not-an-email")
	b.fill("password", "short")
	b.click("#register-form button[type=submit]")
	b.waitText("#name-error", "Enter your name.")
	b.waitText("#email-error", "valid email")
	b.waitText("#password-error", "8 characters")
	if got := eval[string](b, `document.activeElement.id`); got != "name" {
		t.Errorf("focus is on %q, want the name field", got)
	}
	if got := eval[string](b, `document.getElementById("email").getAttribute("aria-invalid")`); got != "true" {
		t.Errorf("email aria-invalid = %q", got)
	}
	if n := b.requestsTo("/api/auth/register"); n != 0 {
		t.Errorf("an invalid form sent %d requests", n)
	}
	b.screenshot("register-errors")
	b.checkNarrow("register-errors-360")

	// The password can be shown and hidden again.
	b.click("#password-toggle")
	b.poll("show the password", `document.getElementById("password").type === "text"`)
	b.click("#password-toggle")
	b.poll("hide the password", `document.getElementById("password").type === "password"`)

	// An unknown page is a friendly one.
	b.open("/no/such/page")
	b.waitText("#not-found h1", "Page not found")
	b.screenshot("not-found")

	b.open("/")
	b.waitText("#go-login", "Log in")
	b.screenshot("home")
	b.checkConsole()

	// With the server gone, the form says so and can be sent again.
	b.open("/login")
	s.stop()
	b.fill("email", annEmail)
	b.fill("password", annPassword)
	b.click("#login-form button[type=submit]")
	b.waitText("#login-notice .notice.error", "Could not reach the server. Check your connection and try again.")
	b.waitUsable("#login-form button[type=submit]")
	// Focus stayed on the button throughout: Enter tries again.
	b.checkFocus("after the failure", "#login-form button[type=submit]")
	b.screenshot("offline")
}

// TestBrowser_EmailLinks follows the links authkit mails: the address
// confirmation sent at sign-up, and a password reset asked for from the
// login form.
func TestBrowser_EmailLinks(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "carol")

	b.open("/register")
	b.fill("name", "Carol")
	b.fill("email", "carol@example.com")
	b.fill("password", "carol's first password")
	b.click("#register-form button[type=submit]")
	b.waitPath("/profile")
	b.waitText("#email-unconfirmed", "Not confirmed")

	// The confirmation link confirms the address.
	b.open(s.mailedLink(t, "carol@example.com", "/verify-email"))
	b.waitText("#verify-notice .notice.success", "confirmed")
	b.checkTokenLeftTheAddress("/verify-email")
	b.screenshot("verified")
	b.click("#go-profile")
	b.waitPath("/profile")
	b.waitText("#account-email", "carol@example.com")
	if n := eval[int](b, `document.querySelectorAll("#email-unconfirmed").length`); n != 0 {
		t.Errorf("the profile still says the email is not confirmed")
	}

	// Forgot the password: ask for a link from the login form.
	b.click("#logout")
	b.waitPath("/login")
	b.click("#forgot-password")
	b.waitPath("/forgot-password")
	b.fill("email", "carol@example.com")
	b.click("#forgot-password-form button[type=submit]")
	b.waitText("#forgot-notice .notice.success", "")
	b.screenshot("forgot-password")

	// The link sets a new password, which then logs in.
	reset := s.mailedLink(t, "carol@example.com", "/reset-password")
	b.open(reset)
	b.checkTokenLeftTheAddress("/reset-password")
	b.fill("new_password", "carol's second password")
	b.click("#reset-password-form button[type=submit]")
	b.waitText("#reset-notice .notice.success", "changed")
	b.screenshot("reset-password")
	b.click("#go-login")
	b.waitPath("/login")
	b.fill("email", "carol@example.com")
	b.fill("password", "carol's second password")
	b.click("#login-form button[type=submit]")
	b.waitPath("/profile")

	// A used link says so, and offers a new one.
	b.open(reset)
	b.fill("new_password", "carol's third password")
	b.click("#reset-password-form button[type=submit]")
	b.waitText("#reset-notice .notice.error", "")
	b.waitText("#ask-again", "Ask for a new link")
	b.checkConsole()
}

// TestBrowser_StaffDoubleClickShowsOneCopyOfTheActivity: a double click
// on a user's Activity asks twice, and the list that opens shows each of
// their events once; a click on another row right after shows only the
// other user's.
func TestBrowser_StaffDoubleClickShowsOneCopyOfTheActivity(t *testing.T) {
	s := startServer(t)
	s.createSuperuser(t, "boss@example.com", "The Boss", "boss password 123")
	for _, name := range []string{"cara", "dave"} {
		newBrowser(t, s, name).signUp(name, name+"@example.com", name+"'s long passphrase")
	}

	boss := newBrowser(t, s, "boss")
	boss.open("/login?next=/admin")
	boss.fill("email", "boss@example.com")
	boss.fill("password", "boss password 123")
	boss.click("#login-form button[type=submit]")
	boss.waitPath("/admin")
	boss.waitText("#users", "dave@example.com")

	// clickActivity clicks the Activity buttons of these users, one right
	// after the other, and returns the events the list then shows.
	clickActivity := func(emails ...string) string {
		t.Helper()
		var js strings.Builder
		for _, email := range emails {
			fmt.Fprintf(&js, `document.querySelector('button[aria-label="Activity of %s"]').click();`, email)
		}
		asked := boss.requestsTo("/api/admin/events")
		eval[any](boss, "(() => {"+js.String()+"})()")
		boss.poll("every answer is back", fmt.Sprintf(
			`performance.getEntriesByType("resource").filter(e => new URL(e.name).pathname === "/api/admin/events").length >= %d`,
			asked+len(emails)))
		time.Sleep(200 * time.Millisecond) // for the app to apply the last answer
		boss.waitText("#user-events-heading", "Activity of "+emails[len(emails)-1])
		boss.settled()
		return eval[string](boss, `[...document.querySelectorAll("#user-events-list [data-event]")].map(e => e.dataset.event).join(" ")`)
	}
	cara, dave := clickActivity("cara@example.com"), clickActivity("dave@example.com")
	if cara == "" || dave == "" {
		t.Fatalf("cara's events %q, dave's %q: want some of each", cara, dave)
	}
	if got := clickActivity("cara@example.com", "cara@example.com"); got != cara {
		t.Errorf("after a double click, cara's activity lists %q, want %q", got, cara)
	}
	if got := clickActivity("cara@example.com", "dave@example.com"); got != dave {
		t.Errorf("after cara's then dave's, dave's activity lists %q, want %q", got, dave)
	}

	// Show older reads on the list that shows, not on one it replaced.
	for range 20 { // a page of sign-ins
		body := strings.NewReader(`{"email":"cara@example.com","password":"cara's long passphrase"}`)
		resp, err := http.Post(s.url+"/api/auth/login", "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("cara's sign-in: status %d", resp.StatusCode)
		}
	}
	clickActivity("cara@example.com")
	firstPage := clickActivity("cara@example.com")
	boss.click("#user-events-list-more")
	boss.poll("older events", fmt.Sprintf(`document.querySelectorAll("#user-events-list [data-event]").length > %d`,
		len(strings.Fields(firstPage))))
	boss.checkConsole()
}

// TestBrowser_AdminButtonsActOnTheUserAsTheyAreNow: a superuser makes a
// user staff and takes it back with the same button, then deactivates
// and reactivates them: each button acts on the row as it stands after
// the last change (not as first drawn), and focus stays on the button
// that made the change rather than jumping to the row's Deactivate.
func TestBrowser_AdminButtonsActOnTheUserAsTheyAreNow(t *testing.T) {
	s := startServer(t)
	s.createSuperuser(t, "boss@example.com", "The Boss", "boss password 123")
	s.register(t, "Uma User", "uma@example.com", "uma's long passphrase")
	boss := s.openAdmin(t, "boss@example.com", "boss password 123", "uma@example.com")

	boss.click(`button[aria-label="Make staff: uma@example.com"]`)
	boss.waitText("#admin-notice .notice.success", "uma@example.com is now staff.")
	boss.checkFocus("after making Uma staff", `button[aria-label="Remove staff: uma@example.com"]`)
	boss.click(`button[aria-label="Remove staff: uma@example.com"]`)
	boss.waitText("#admin-notice .notice.success", "uma@example.com is no longer staff.")
	boss.checkFocus("after taking it back", `button[aria-label="Make staff: uma@example.com"]`)

	boss.click(`button[aria-label="Deactivate uma@example.com"]`)
	boss.click("#confirm-deactivate")
	boss.waitText("#admin-notice .notice.success", "deactivated")
	boss.click(`button[aria-label="Activate uma@example.com"]`)
	boss.waitText("#admin-notice .notice.success", "has been activated")
	boss.checkFocus("after reactivating Uma", `button[aria-label="Deactivate uma@example.com"]`)
	boss.checkConsole()
}
