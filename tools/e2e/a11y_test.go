package e2e

import (
	"strings"
	"testing"
)

// TestBrowser_EveryPagePassesAxe checks every page with axe-core, signed
// out, signed in and as staff, at the laptop width and at 360 px: no
// serious or critical violation. The signed-in pages are those the
// navigation offers, so a module's page is checked as soon as it has a
// link.
func TestBrowser_EveryPagePassesAxe(t *testing.T) {
	s := startServer(t)
	s.createSuperuser(t, "boss@example.com", "The Boss", "boss password 123")

	visitor := newBrowser(t, s, "visitor")
	for _, path := range []string{"/", "/login", "/register", "/forgot-password", "/reset-password?token=t",
		"/verify-email?token=t", "/confirm-email?token=t", "/goodbye", "/no/such/page"} {
		visitor.open(path)
		visitor.settled()
		visitor.checkA11y("visitor" + fileSafe(path))
	}
	// Forms showing their errors are pages too.
	visitor.open("/register")
	visitor.click("#register-form button[type=submit]")
	visitor.waitText("#email-error", "")
	visitor.checkA11y("visitor-register-errors")

	user := newBrowser(t, s, "user")
	user.signUp("Uma User", "uma@example.com", "uma's long passphrase")
	for _, path := range append(user.navLinks(), "/", "/admin") {
		user.open(path)
		user.settled()
		user.checkA11y("user" + fileSafe(path))
	}

	boss := newBrowser(t, s, "boss")
	boss.open("/login")
	boss.fill("email", "boss@example.com")
	boss.fill("password", "boss password 123")
	boss.click("#login-form button[type=submit]")
	boss.waitPath("/profile")
	links := boss.navLinks()
	if !strings.Contains(strings.Join(links, " "), "/admin") {
		t.Fatalf("staff's navigation lacks /admin: %v", links)
	}
	for _, path := range links {
		boss.open(path)
		boss.settled()
		boss.checkA11y("staff" + fileSafe(path))
	}
	// The admin page with what opens on it: a user's activity, a
	// confirmation.
	boss.open("/admin")
	boss.waitText("#users", "uma@example.com")
	boss.click(`button[aria-label="Activity of uma@example.com"]`)
	boss.waitText("#user-events-list", "Created the account")
	boss.settled()
	boss.checkA11y("staff-admin-activity")
	boss.click(`button[aria-label="Delete uma@example.com"]`)
	boss.waitText("#confirm-delete-user-panel", "Delete uma@example.com?")
	boss.checkA11y("staff-admin-confirm-delete")
	boss.checkConsole()
}

// navLinks are the paths the header's navigation offers.
func (b *browser) navLinks() []string {
	b.t.Helper()
	b.settled()
	joined := eval[string](b, `[...document.querySelectorAll(".site-nav a")].map(a => a.getAttribute("href")).join(" ")`)
	return strings.Fields(joined)
}
