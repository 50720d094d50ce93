package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/authkit/authkit/server/sso/ssotest"
)

// TestBrowser_AccountSelfService walks the account module: the header's
// account box, the profile's in-page links and activity, an email change
// through the mailed link, downloading the data, and deleting the
// account, after which it cannot log in.
func TestBrowser_AccountSelfService(t *testing.T) {
	s := startServer(t)
	ann := newBrowser(t, s, "ann")
	const password = "ann's long passphrase"
	ann.signUp("Ann Example", "ann@example.com", password)

	// The header says who is signed in; the profile's sections are one
	// link away, and focus follows the link.
	ann.waitText("#whoami", "Ann Example")
	ann.click(`.page-nav a[href="#activity"]`)
	ann.poll("focus on the activity", `document.activeElement.id === "activity"`)
	ann.waitText("#activity-list", "Created the account")

	// Change the email: nothing changes until the mailed link is opened.
	ann.fill("email-new_email", "ann.new@example.com")
	ann.fill("email-current_password", password)
	ann.click("#email-form button[type=submit]")
	ann.waitText("#email-notice .notice.success", "We sent a link to ann.new@example.com")
	ann.screenshot("email-change-sent")
	if got := ann.text("#account-email"); got != "ann@example.com" {
		t.Errorf("the address changed before the link was opened: %q", got)
	}
	ann.open(s.mailedLink(t, "ann.new@example.com", "/confirm-email"))
	ann.waitText("#confirm-notice .notice.success", "ann.new@example.com")
	ann.checkTokenLeftTheAddress("/confirm-email")
	ann.screenshot("confirm-email") // docs/screenshots/confirm-email.png
	ann.click("#go-profile")
	ann.waitPath("/profile")
	ann.waitText("#account-email", "ann.new@example.com")
	ann.waitText("#activity-list", "Changed the email address to ann.new@example.com (was ann@example.com)")
	ann.click(`.page-nav a[href="#activity"]`)
	ann.poll("focus on the activity", `document.activeElement.id === "activity"`)
	ann.screenshot("activity") // docs/screenshots/activity.png

	// Download the data: a JSON file with the account and its history.
	export := ann.download("#download-data")
	var data struct {
		Account struct {
			Email string `json:"email"`
		} `json:"account"`
		SecurityEvents []struct {
			Type string `json:"type"`
		} `json:"security_events"`
		Modules map[string]json.RawMessage `json:"modules"`
	}
	if err := json.Unmarshal(export, &data); err != nil {
		t.Fatalf("the download is not JSON: %v\n%s", err, export)
	}
	if data.Account.Email != "ann.new@example.com" || len(data.SecurityEvents) < 3 || data.Modules == nil {
		t.Errorf("the download holds %+v", data)
	}
	ann.waitText("#download-notice .notice.success", "downloaded")

	// Delete the account: the typed sentence is checked before anything
	// is sent.
	ann.click(`.page-nav a[href="#danger-zone"]`)
	ann.poll("focus on the danger zone", `document.activeElement.id === "danger-zone"`)
	ann.screenshot("danger-zone") // docs/screenshots/danger-zone.png
	ann.fill("delete-confirmation", "delete it")
	ann.fill("delete-current_password", password)
	before := ann.requestsTo("/api/me")
	ann.click("#delete-account")
	ann.waitText("#delete-confirmation-error", "delete my account")
	if n := ann.requestsTo("/api/me"); n != before {
		t.Errorf("a mistyped confirmation sent %d requests", n-before)
	}
	ann.screenshot("danger-zone-mistyped")
	ann.fill("delete-confirmation", "delete my account")
	ann.click("#delete-account")
	ann.waitPath("/goodbye")
	ann.waitText("#goodbye h1", "Your account has been deleted")
	ann.screenshot("goodbye") // docs/screenshots/goodbye.png

	// It cannot log in again, with either address.
	for _, email := range []string{"ann.new@example.com", "ann@example.com"} {
		ann.open("/login")
		ann.fill("email", email)
		ann.fill("password", password)
		ann.click("#login-form button[type=submit]")
		ann.waitText(`#login-notice .notice.error`, "incorrect")
	}
	ann.checkConsole()
}

// TestBrowser_AccountSelfServiceWithoutAPassword: an account a sign-in
// provider made has no password, so its email change and its deletion ask
// for none: a recent sign-in stands in. Once the sign-in is older than
// --reauth-window, deleting asks for a new one (a dialog that Escape
// closes); after signing in again
// with the provider, the deletion goes through.
func TestBrowser_AccountSelfServiceWithoutAPassword(t *testing.T) {
	// Long enough for the email change to land inside it on two busy
	// cores (the profile's first load under the build of another test
	// package took 3.5 s of a 6 s window).
	const window = 10 * time.Second
	s, idp := startServerWithSSO(t, "--reauth-window", window.String())
	erin := newBrowser(t, s, "erin")
	person := ssotest.Person{Subject: "e2e-erin", Email: "erin@example.com", EmailVerified: true, Name: "Erin Example"}
	idp.Approve(person)
	erin.open("/login")
	erin.clickAway("#sign-in-oidc", "/profile")
	signedIn := time.Now()
	erin.waitText("#account-email", "erin@example.com")

	erin.waitText("#email-heading", "Change email")
	for _, id := range []string{"email-current_password", "delete-current_password"} {
		if eval[bool](erin, `!!document.getElementById("`+id+`")`) {
			t.Errorf("an account without a password is asked for one (#%s)", id)
		}
	}
	erin.fill("email-new_email", "erin.new@example.com")
	erin.click("#email-form button[type=submit]")
	erin.waitText("#email-notice .notice.success", "We sent a link to erin.new@example.com")

	time.Sleep(time.Until(signedIn.Add(window + time.Second)))
	erin.click(`.page-nav a[href="#danger-zone"]`)
	erin.fill("delete-confirmation", "delete my account")
	erin.click("#delete-account")
	erin.waitText("#delete-reauth-text", "sign in again")
	erin.poll("the dialog's button has focus", `document.activeElement && document.activeElement.id === "delete-reauth-cancel"`)
	// Escape closes this dialog too, as it does the others, and focus
	// goes back to the button that opened it.
	erin.pressEscape()
	erin.poll("the dialog has closed", `!document.getElementById("delete-reauth-dialog")`)
	erin.checkFocus("the dialog has closed", "#delete-account")
	if got := erin.text("#account-email"); got != "erin@example.com" {
		t.Fatalf("the profile shows %q after the refused deletion", got)
	}

	erin.click("#logout")
	erin.waitPath("/login")
	idp.Approve(person)
	erin.clickAway("#sign-in-oidc", "/profile")
	erin.waitText("#account-email", "erin@example.com")
	erin.click(`.page-nav a[href="#danger-zone"]`)
	erin.fill("delete-confirmation", "delete my account")
	erin.click("#delete-account")
	erin.waitPath("/goodbye")
	erin.waitText("#goodbye h1", "Your account has been deleted")
	erin.checkConsole()
}

// TestBrowser_HeaderLogOutWorksEverywhere: the header's Log out works
// from any signed-in page, and the page after it is signed out.
func TestBrowser_HeaderLogOutWorksEverywhere(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "bea")
	b.signUp("Bea", "bea@example.com", "bea's long passphrase")
	b.open("/")
	b.waitText("#whoami", "Bea")
	b.click("#logout")
	b.waitPath("/login")
	b.open("/profile")
	b.waitPath("/login?next=/profile")
	if n := eval[int](b, `document.querySelectorAll("#logout, #whoami").length`); n != 0 {
		t.Errorf("signed out, the header still shows the account box")
	}
	b.checkConsole()
}

// download clicks sel and returns the file the browser saves.
func (b *browser) download(sel string) []byte {
	b.t.Helper()
	dir := b.t.TempDir()
	b.do("allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
		})
		return err
	}))
	b.click(sel)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range files {
			if data, err := os.ReadFile(f); err == nil && len(data) > 0 && !strings.HasSuffix(f, ".crdownload") {
				return data
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("%s: no file was downloaded into %s", b.name, dir)
	return nil
}

// TestBrowser_MailedLinksOpenedSignedOut: a mailed link is often opened
// where nobody is signed in (a phone's mail app, another computer). The
// page does what the link is for, and its header tells the truth: the
// link's account is not signed in here, so the header names nobody and
// offers the way in rather than a Log out.
func TestBrowser_MailedLinksOpenedSignedOut(t *testing.T) {
	s := startServer(t)
	dan := newBrowser(t, s, "dan")
	const password = "dan's long passphrase"
	dan.signUp("Dan", "dan@example.com", password)
	dan.fill("email-new_email", "dan.new@example.com")
	dan.fill("email-current_password", password)
	dan.click("#email-form button[type=submit]")
	dan.waitText("#email-notice .notice.success", "We sent a link to dan.new@example.com")

	phone := newBrowser(t, s, "dan-phone")
	phone.open(s.mailedLink(t, "dan@example.com", "/verify-email"))
	phone.waitText("#verify-notice .notice.success", "confirmed")
	phone.checkNobodySignedIn("the sign-up confirmation")

	phone.open(s.mailedLink(t, "dan.new@example.com", "/confirm-email"))
	phone.waitText("#confirm-notice .notice.success", "dan.new@example.com")
	phone.checkNobodySignedIn("the email change")
	phone.checkConsole()
}

// checkNobodySignedIn checks that the page's header, once it knows,
// shows a visitor's navigation and no account box.
func (b *browser) checkNobodySignedIn(step string) {
	b.t.Helper()
	if got := strings.Join(b.navLinks(), " "); got != "/login /register" {
		b.t.Errorf("%s: signed out, the navigation offers %q, want the way in", step, got)
	}
	if n := eval[int](b, `document.querySelectorAll("#logout, #whoami").length`); n != 0 {
		b.t.Errorf("%s: signed out, the header shows the account box (%q)", step, b.text(".account-box"))
	}
}
