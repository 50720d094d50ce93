package e2e

import (
	"testing"
)

// TestBrowser_EscapeClosesTheDialogThatShows: on the admin page the
// confirmation of a deactivation gives way to that of a deletion (Delete
// on another row while it is open). go-app draws the second in the
// first's place and keeps a handler whose code is unchanged, so an Escape
// handler that captured the first dialog would cancel it, long gone, and
// leave the one that shows open. Escape closes the dialog that shows, and
// focus goes back to the button that opened it.
func TestBrowser_EscapeClosesTheDialogThatShows(t *testing.T) {
	s := startServer(t)
	s.createSuperuser(t, "boss@example.com", "The Boss", "boss password 123")
	s.register(t, "Uma User", "uma@example.com", "uma's long passphrase")
	s.register(t, "Vic User", "vic@example.com", "vic's long passphrase")
	boss := s.openAdmin(t, "boss@example.com", "boss password 123", "vic@example.com")

	boss.click(`button[aria-label="Deactivate uma@example.com"]`)
	boss.waitText("#confirm-title", "Deactivate uma@example.com?")
	boss.click(`button[aria-label="Delete vic@example.com"]`)
	boss.waitText("#confirm-delete-user-title", "Delete vic@example.com?")
	boss.checkFocus("the deletion's confirmation opened", "#cancel-delete-user")
	boss.pressEscape()
	boss.poll("the deletion's confirmation closes", `!document.getElementById("confirm-delete-user-panel")`)
	boss.checkFocus("after Escape", `button[aria-label="Delete vic@example.com"]`)
	boss.waitText("#users", "vic@example.com") // nobody was deleted
	boss.checkConsole()
}
