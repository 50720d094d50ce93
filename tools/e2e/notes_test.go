package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowser_Notes walks the private notes example: the page is behind
// the login form, notes are added, checked before sending, edited in
// place and deleted after a confirmation; they outlive a reload, and
// nobody else sees them.
func TestBrowser_Notes(t *testing.T) {
	s := startServer(t)
	dora := newBrowser(t, s, "dora")
	dora.signUp("Dora Writer", "dora@example.com", "dora's long passphrase")
	if got := eval[string](dora, `document.getElementById("notes-link").getAttribute("href")`); got != "/notes" {
		t.Errorf("the profile's notes link goes to %q", got)
	}

	// Signed out, the page leads to the login form, which comes back.
	dora.click("#logout")
	dora.waitPath("/login")
	dora.open("/notes")
	dora.waitPath("/login?next=/notes")
	dora.fill("email", "dora@example.com")
	dora.fill("password", "dora's long passphrase")
	dora.click("#login-form button[type=submit]")
	dora.waitPath("/notes")
	dora.waitText("#no-notes", "No notes yet")

	// The navigation leads there too.
	dora.click(`.site-nav a[href="/profile"]`)
	dora.waitText("#account-email", "dora@example.com")
	dora.click(`.site-nav a[href="/notes"]`)
	dora.waitPath("/notes")
	dora.waitText("#no-notes", "No notes yet")

	// A blank title is refused beside the field, before any request.
	before := dora.requestsTo("/api/notes")
	dora.fill("title", "   ")
	dora.click("#note-form button[type=submit]")
	dora.waitText("#title-error", "Give the note a title.")
	if got := eval[string](dora, `document.activeElement.id`); got != "title" {
		t.Errorf("focus is on %q, want the title field", got)
	}
	if n := dora.requestsTo("/api/notes") - before; n != 0 {
		t.Errorf("an invalid note sent %d requests", n)
	}

	// Two notes, the newest on top; the form empties after each.
	dora.addNote("Groceries", "Eggs, milk\nand bread.")
	dora.addNote("Call the plumber", "Tuesday morning, about the kitchen tap.")
	if got := dora.noteTitles(); got != "Call the plumber|Groceries" {
		t.Errorf("notes = %q, want the newest first", got)
	}

	// Edit one in place.
	dora.click(`button[aria-label="Edit “Groceries”"]`)
	dora.waitText(`label[for="edit-title"]`, "Title")
	if got := eval[string](dora, `document.activeElement.id`); got != "edit-title" {
		t.Errorf("the editor opened with focus on %q", got)
	}
	dora.fill("edit-title", "Groceries for Saturday")
	dora.click("#save-note")
	dora.waitText("#notes-notice .notice.success", "saved")
	dora.poll("the editor closes", `!document.getElementById("edit-note-form")`)
	if got := dora.noteTitles(); got != "Call the plumber|Groceries for Saturday" {
		t.Errorf("after the edit, notes = %q", got)
	}
	dora.checkNarrow("notes-360")
	dora.do("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	dora.screenshot("notes")

	// Delete one: it asks first, and Cancel keeps the note.
	dora.click(`button[aria-label="Delete “Call the plumber”"]`)
	dora.waitText("#confirm-delete-text", "Delete “Call the plumber”? This cannot be undone.")
	if got := eval[string](dora, `document.activeElement.id`); got != "cancel-delete" {
		t.Errorf("the confirmation opened with focus on %q, want Cancel", got)
	}
	dora.screenshot("notes-confirm")
	dora.click("#cancel-delete")
	dora.poll("the confirmation closes", `!document.getElementById("confirm-delete-panel")`)
	dora.click(`button[aria-label="Delete “Call the plumber”"]`)
	dora.click("#confirm-delete")
	dora.waitText("#notes-notice .notice.success", "deleted")
	if got := dora.noteTitles(); got != "Groceries for Saturday" {
		t.Errorf("after the deletion, notes = %q", got)
	}

	// A reload shows what the server kept.
	dora.reload()
	dora.waitText("#notes .note", "Groceries for Saturday")
	if got := dora.noteTitles(); got != "Groceries for Saturday" {
		t.Errorf("after a reload, notes = %q", got)
	}
	if got := dora.text("#notes .note-body"); got != "Eggs, milk\nand bread." {
		t.Errorf("after a reload, the body is %q", got)
	}
	dora.checkConsole()

	// Someone else has notes of their own: none of Dora's.
	eve := newBrowser(t, s, "eve")
	eve.signUp("Eve Other", "eve@example.com", "eve's long passphrase")
	eve.click(`.site-nav a[href="/notes"]`)
	eve.waitText("#no-notes", "No notes yet")
	if got := eve.noteTitles(); got != "" {
		t.Errorf("another user sees notes %q", got)
	}
	eve.checkConsole()

	// With the server gone, adding says so and the button works again.
	s.stop()
	eve.fill("title", "Written offline")
	eve.click("#note-form button[type=submit]")
	eve.waitText("#note-notice .notice.error", "Could not reach the server. Check your connection and try again.")
	eve.waitUsable("#note-form button[type=submit]")
	eve.checkFocus("after the failure", "#note-form button[type=submit]")
	if got := eval[string](eve, `document.getElementById("title").value`); got != "Written offline" {
		t.Errorf("after a failed add the title is %q, want it kept", got)
	}
}

// addNote sends the add form and waits for the note to head the list.
func (b *browser) addNote(title, body string) {
	b.t.Helper()
	b.fill("title", title)
	b.fill("body", body)
	b.click("#note-form button[type=submit]")
	b.waitText("#note-notice .notice.success", "added")
	b.waitText("#notes .note:first-child .note-title", title)
	if got := eval[string](b, `document.getElementById("title").value + document.getElementById("body").value`); got != "" {
		b.t.Errorf("%s: the form still holds %q after adding", b.name, got)
	}
}

// noteTitles is the titles of the listed notes, in order, joined by "|".
func (b *browser) noteTitles() string {
	b.t.Helper()
	return eval[string](b, `[...document.querySelectorAll("#notes .note-title")].map(e => e.textContent).join("|")`)
}

// TestBrowser_ASessionEndedElsewhereSaysSoAndComesBack: when every
// session is ended from another device, the next action on the notes
// page (its access token lapsed, and the refresh refused) leads to the
// login form, which says why, and signing in again comes back to the
// notes.
func TestBrowser_ASessionEndedElsewhereSaysSoAndComesBack(t *testing.T) {
	s := startServer(t)
	dora := newBrowser(t, s, "dora")
	dora.signUp("Dora Writer", "dora@example.com", "dora's long passphrase")
	dora.click(`.site-nav a[href="/notes"]`)
	dora.waitText("#no-notes", "No notes yet")

	phone := newBrowser(t, s, "dora's phone")
	phone.open("/login")
	phone.fill("email", "dora@example.com")
	phone.fill("password", "dora's long passphrase")
	phone.click("#login-form button[type=submit]")
	phone.waitPath("/profile")
	phone.click("#logout-all")
	phone.waitPath("/login")
	time.Sleep(accessTTL + time.Second) // the laptop's access token lapses too

	dora.fill("title", "Written after the end")
	dora.click("#note-form button[type=submit]")
	dora.waitPath("/login?next=/notes")
	dora.waitText(`#login-notice .notice.error[role="alert"]`, "Your session has ended. Log in again to carry on where you left off.")
	dora.fill("email", "dora@example.com")
	dora.fill("password", "dora's long passphrase")
	dora.click("#login-form button[type=submit]")
	dora.waitPath("/notes")
	dora.waitText("#no-notes", "No notes yet")
	dora.checkConsole()

	// Logging out on purpose is no surprise: the form says nothing.
	dora.click("#logout")
	dora.waitPath("/login")
	dora.poll("the form shows", `!!document.getElementById("login-form")`)
	if got := eval[string](dora, `document.getElementById("login-notice").textContent`); got != "" {
		t.Errorf("after a logout the login form says %q", got)
	}
}

// TestBrowser_ADraftOutlivesTheEndOfTheSessionForItsWriterOnly: a note
// being written when the session ends elsewhere is not lost. Saving it
// leads to the login form; signing in again comes back to the notes with
// the draft in the form. It is kept for its writer only: someone else
// signing in on the same tab finds an empty form, and a logout forgets it.
func TestBrowser_ADraftOutlivesTheEndOfTheSessionForItsWriterOnly(t *testing.T) {
	s := startServer(t)
	s.register(t, "Eve Other", "eve@example.com", "eve's long passphrase")
	phone := newBrowser(t, s, "dora's phone")
	dora := newBrowser(t, s, "dora")
	dora.signUp("Dora Writer", "dora@example.com", "dora's long passphrase")
	dora.click(`.site-nav a[href="/notes"]`)
	dora.waitText("#no-notes", "No notes yet")

	dora.fill("title", "Half-written")
	dora.fill("body", "Dear plumber,\nthe kitchen tap")
	phone.logOutEverywhere("dora@example.com", "dora's long passphrase")
	dora.click("#note-form button[type=submit]")
	dora.waitPath("/login?next=/notes")
	dora.signIn("dora@example.com", "dora's long passphrase")
	dora.waitPath("/notes")
	dora.waitText("#no-notes", "No notes yet")
	if got := dora.addFormHolds(); got != "Half-written|Dear plumber,\nthe kitchen tap" {
		t.Errorf("after signing in again the form holds %q, want the draft", got)
	}

	// The draft, still unsent when the session ends again, is not
	// another user's to see on this tab.
	phone.logOutEverywhere("dora@example.com", "dora's long passphrase")
	dora.click("#note-form button[type=submit]")
	dora.waitPath("/login?next=/notes")
	dora.signIn("eve@example.com", "eve's long passphrase")
	dora.waitPath("/notes")
	dora.waitText("#no-notes", "No notes yet")
	if got := dora.addFormHolds(); got != "|" {
		t.Errorf("another user signing in on the tab finds %q in the form", got)
	}

	// A logout forgets what the tab kept: Dora's draft goes with Eve's
	// logout, as it would with her own.
	dora.click("#logout")
	dora.waitPath("/login")
	if n := eval[int](dora, `sessionStorage.length`); n != 0 {
		t.Errorf("after a logout the tab keeps %d items in sessionStorage", n)
	}
	dora.signIn("dora@example.com", "dora's long passphrase")
	dora.waitPath("/profile")
	dora.click(`.site-nav a[href="/notes"]`)
	dora.waitText("#no-notes", "No notes yet")
	if got := dora.addFormHolds(); got != "|" {
		t.Errorf("after a logout the form holds %q", got)
	}

	// A note sent is no longer a draft.
	dora.addNote("Sent", "")
	dora.reload()
	dora.waitText("#notes .note", "Sent")
	if got := dora.addFormHolds(); got != "|" {
		t.Errorf("after the note was added and the page reloaded, the form holds %q", got)
	}
	dora.checkConsole()
}

// logOutEverywhere signs in with email on this browser and ends every
// session of the account ("Log out everywhere"), as from another device.
func (b *browser) logOutEverywhere(email, password string) {
	b.t.Helper()
	b.open("/login")
	b.signIn(email, password)
	b.waitPath("/profile")
	b.click("#logout-all")
	b.waitPath("/login")
}

// addFormHolds is the add form's title and body, joined by "|".
func (b *browser) addFormHolds() string {
	b.t.Helper()
	return eval[string](b, `document.getElementById("title").value + "|" + document.getElementById("body").value`)
}

// TestBrowser_APageThatCannotLoadKeepsItsWayAround: with the server gone,
// the notes page cannot load its notes and says so, with Try again; the
// header still offers the signed-in navigation and Log out (the app knows
// who is signed in), so the person is not left with one button.
func TestBrowser_APageThatCannotLoadKeepsItsWayAround(t *testing.T) {
	s := startServer(t)
	dora := newBrowser(t, s, "dora")
	dora.signUp("Dora Writer", "dora@example.com", "dora's long passphrase")
	s.stop()
	dora.click(`.site-nav a[href="/notes"]`)
	dora.waitPath("/notes")
	dora.waitText(".notice.error", "Could not reach the server.")
	for _, sel := range []string{`.site-nav a[href="/profile"]`, `.site-nav a[href="/notes"][aria-current="page"]`, "#logout", "#retry"} {
		if !eval[bool](dora, `!!document.querySelector('`+sel+`')`) {
			t.Errorf("the page that could not load lacks %s", sel)
		}
	}
	dora.screenshot("notes-unreachable")
}

// TestBrowser_ALongUnbrokenTitleFitsAPhone: a note titled with a long
// address (no space to break at) fits a 360 px screen, in the list and in
// the notice that quotes it.
func TestBrowser_ALongUnbrokenTitleFitsAPhone(t *testing.T) {
	s := startServer(t)
	dora := newBrowser(t, s, "dora")
	dora.signUp("Dora Writer", "dora@example.com", "dora's long passphrase")
	dora.click(`.site-nav a[href="/notes"]`)
	dora.waitText("#no-notes", "No notes yet")
	dora.addNote(strings.Repeat("https://example.com/a/very/long/path", 3), strings.Repeat("bodywithoutspaces", 10))
	dora.checkNarrow("notes-long-title-360")
}

// TestBrowser_SkipToContentKeepsWhatThePageSaid: on the notes page, Skip
// to content made go-app visit the page again, which reloaded the list
// and reset the forms, dropping the notice that the note was added.
func TestBrowser_SkipToContentKeepsWhatThePageSaid(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "lee")
	b.signUp("Lee", "lee@example.com", "lee's long passphrase")
	b.open("/notes")
	b.addNote("Groceries", "milk")
	b.pressEnter(".skip-link")
	b.poll("focus on the main content", `document.activeElement && document.activeElement.id === "main"`)
	notice := eval[string](b, `new Promise(done => setTimeout(() => done(document.getElementById("note-notice").textContent), 500))`, chromedp.EvalAwaitPromise)
	if !strings.Contains(notice, "has been added") {
		t.Errorf("after Skip to content the notes page says %q, want the note added", notice)
	}
}
