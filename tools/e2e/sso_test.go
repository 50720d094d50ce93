package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/authkit/authkit/server/sso/ssotest"
	"github.com/authkit/authkit/shared"
)

// startServerWithSSO runs the binary with the company's OpenID Connect
// provider configured: a provider running in this test, on loopback. The
// client secret goes through the environment, as the README advises.
// extra are more flags.
func startServerWithSSO(t *testing.T, extra ...string) (*server, *ssotest.Provider) {
	t.Helper()
	return startServerWithSSOOn(t, false, extra...)
}

// startServerWithSSOOn is startServerWithSSO, served as
// http://localhost:port when localhost is true (for passkeys; see
// startLocalhostServer).
func startServerWithSSOOn(t *testing.T, localhost bool, extra ...string) (*server, *ssotest.Provider) {
	t.Helper()
	idp := ssotest.NewProvider(t)
	t.Setenv("AUTHKIT_OIDC_CLIENT_SECRET", ssotest.ClientSecret)
	s := startServerOn(t, localhost, append([]string{"--oidc-issuer", idp.URL, "--oidc-client-id", ssotest.ClientID, "--oidc-name", "Company SSO"}, extra...)...)
	return s, idp
}

// TestBrowser_SignInWithCompanySSO: a newcomer clicks "Sign in with
// Company SSO" on the login page, passes through the provider and lands
// on the profile, signed in to a new account that has no password; they
// come back the same way. Someone whose address has an unconfirmed
// account is told to log in with the password instead.
func TestBrowser_SignInWithCompanySSO(t *testing.T) {
	s, idp := startServerWithSSO(t)
	erin := newBrowser(t, s, "erin")
	idp.Approve(ssotest.Person{Subject: "e2e-erin", Email: "erin@example.com", EmailVerified: true, Name: "Erin Example"})

	erin.open("/login")
	erin.waitText("#sign-in-oidc", "Sign in with Company SSO")
	erin.checkA11y("login-sso")
	erin.screenshot("login-sso")
	erin.clickAway("#sign-in-oidc", "/profile")
	erin.waitText("#account-email", "erin@example.com")
	if got := erin.text("#account-name"); got != "Erin Example" {
		t.Errorf("profile name = %q", got)
	}
	erin.waitText("#connected-accounts", "Company SSO")
	erin.waitText("#connected-accounts", "Your only way to sign in")
	erin.waitText("#password-heading", "Set a password")
	erin.do("show the connected accounts", chromedp.Evaluate[chromedp.Void](`document.getElementById("password-heading").scrollIntoView()`))
	erin.screenshot("profile-connected")
	erin.checkNarrow("profile-connected-360")
	erin.checkA11y("profile-connected")

	// Logged out, the same button brings back the same account.
	erin.click("#logout")
	erin.waitPath("/login")
	idp.Approve(ssotest.Person{Subject: "e2e-erin", Email: "erin@example.com", EmailVerified: true})
	erin.clickAway("#sign-in-oidc", "/profile")
	erin.waitText("#account-email", "erin@example.com")

	// The register page offers it too.
	frank := newBrowser(t, s, "frank")
	frank.signUp("Frank", "frank@example.com", "frank's long passphrase")
	frank.click("#logout")
	frank.waitPath("/login")
	frank.open("/register")
	frank.waitText("#sign-in-oidc", "Sign up with Company SSO")

	// Frank's address has an account he has not confirmed: the provider
	// may not take it over.
	idp.Approve(ssotest.Person{Subject: "e2e-frank", Email: "frank@example.com", EmailVerified: true})
	frank.clickAway("#sign-in-oidc", "/login")
	frank.waitText("#sso-notice", "Log in with your password, then connect Company SSO from your profile.")
	frank.checkA11y("login-account-exists")
	if got := eval[string](frank, `location.search`); !strings.Contains(got, "error=account_exists") {
		t.Errorf("login page query = %q", got)
	}
	frank.checkConsole()
	erin.checkConsole()
}

// TestBrowser_ConnectAndDisconnectFromTheProfile: a password user
// connects the company's provider from the profile, then disconnects it
// after a confirmation.
func TestBrowser_ConnectAndDisconnectFromTheProfile(t *testing.T) {
	s, idp := startServerWithSSO(t)
	gail := newBrowser(t, s, "gail")
	gail.signUp("Gail", "gail@example.com", "gail's long passphrase")
	gail.waitText("#connect-needs-confirmed-email", "first confirm your email address") // until it is confirmed
	gail.confirmEmail(s, "gail@example.com")
	gail.waitText("#connected-accounts", "No account is connected yet.")

	idp.Approve(ssotest.Person{Subject: "e2e-gail", Email: "gail@corp.example", EmailVerified: true})
	gail.clickAway("#connect-oidc", "/profile")
	gail.waitText("#connected-notice", "Company SSO is connected")
	gail.waitText("#identities", "gail@corp.example")
	if got := eval[string](gail, `location.search`); got != "" {
		t.Errorf("the profile kept the query %q", got)
	}

	gail.click(`#identities button[id^="disconnect-"]`)
	gail.waitText("#confirm-disconnect-text", "Disconnect Company SSO?")
	gail.checkA11y("profile-confirm-disconnect")
	if got := eval[string](gail, `document.activeElement.id`); got != "cancel-disconnect" {
		t.Errorf("the confirmation opened with focus on %q, want Cancel", got)
	}
	gail.click("#confirm-disconnect")
	gail.waitText("#connected-notice", "Company SSO is disconnected.")
	gail.waitText("#connected-accounts", "No account is connected yet.")
	// The row that had focus is gone: focus is on the card's heading.
	gail.poll("focus is on the card's heading", `document.activeElement && document.activeElement.id === "connected-heading"`)
	gail.checkConsole()
}

// TestBrowser_ConnectAfterConfirmingItsYou runs with a short
// re-authentication window: past it, connecting an account comes back to
// the profile with the dialog open, and once the password is confirmed
// the connection goes on to the provider by itself.
func TestBrowser_ConnectAfterConfirmingItsYou(t *testing.T) {
	const window = 5 * time.Second // the redirect to the provider after re-authenticating fits in it on a busy machine
	s, idp := startServerWithSSO(t, "--reauth-window", window.String())
	hana := newBrowser(t, s, "hana")
	const password = "hana's long passphrase"
	hana.signUp("Hana", "hana@example.com", password)
	hana.confirmEmail(s, "hana@example.com")
	hana.waitText("#connected-accounts", "No account is connected yet.")
	time.Sleep(window + time.Second)

	idp.Approve(ssotest.Person{Subject: "e2e-hana", Email: "hana@corp.example", EmailVerified: true})
	hana.clickAway("#connect-oidc", "/profile")
	hana.waitText("#connect-reauth-title", "Confirm it's you")
	hana.waitText("#connected-notice", "first confirm it's you")
	hana.poll("the password box has focus", `document.activeElement && document.activeElement.id === "connect-reauth-password"`)
	hana.fill("connect-reauth-password", password)
	hana.clickAway("#connect-reauth-form button[type=submit]", "/profile")
	hana.waitText("#connected-notice", "Company SSO is connected")
	hana.waitText("#identities", "hana@corp.example")
	hana.checkConsole()
}

// clickAway clicks a link that leaves the app for the server (and the
// provider), and waits until a new document has loaded at path and its
// app runs. Evaluations fail while the browser is between documents, so
// each failure is retried until the deadline.
func (b *browser) clickAway(sel, path string) {
	b.t.Helper()
	b.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.leftFrom = location.href`))
	b.click(sel)
	arrived := fmt.Sprintf(`window.leftFrom === undefined && location.pathname === %q && document.readyState === "complete"`, path)
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](arrived))
		cancel()
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: clicking %s never reached %s (at %s; %v)", b.name, sel, path, b.location(), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.waitApp()
}

// TestBrowser_ConfirmingWhereSignedInKeepsTheProviderThroughAReset: Hank
// signs up through a provider that does not vouch for his address, and
// opens the confirmation mail in the browser he is signed in with, so he
// holds both the provider account and the mailbox: setting his first
// password by the reset mail keeps the provider account connected. Ivy
// does the same but confirms signed out, as the owner of a squatted
// address would: the reset disconnects it (README, pre-hijacking). Access
// tokens last 3 s here, and Hank opens the mail after his has expired:
// the server knows him by his refresh cookie.
func TestBrowser_ConfirmingWhereSignedInKeepsTheProviderThroughAReset(t *testing.T) {
	s, idp := startServerWithSSO(t, "--access-ttl", "3s")
	for _, c := range []struct {
		name, email string
		signedIn    bool
		// what the profile's connected accounts show after the reset
		sel, text string
	}{
		{"hank", "hank@example.com", true, "#identities", "hank@example.com"},
		{"ivy", "ivy@example.com", false, "#no-identities", "No account is connected yet."},
	} {
		b := newBrowser(t, s, c.name)
		idp.Approve(ssotest.Person{Subject: "e2e-" + c.name, Email: c.email, EmailVerified: false})
		b.open("/login")
		b.clickAway("#sign-in-oidc", "/profile")
		b.waitText("#email-unconfirmed", "Not confirmed")
		if c.signedIn {
			link := s.mailedLink(t, c.email, "/verify-email")
			time.Sleep(4 * time.Second) // past the access token's lifetime
			b.open(link)
			b.waitText("#verify-notice .notice.success", "confirmed")
		} else {
			s.confirmEmail(t, c.email)
		}

		body, _ := json.Marshal(shared.PasswordResetRequest{Email: c.email})
		resp, err := http.Post(s.url+"/api/auth/password-reset", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		b.open(s.mailedLink(t, c.email, "/reset-password"))
		password := c.name + "'s first password"
		b.fill("new_password", password)
		b.click("#reset-password-form button[type=submit]")
		b.waitText("#reset-notice .notice.success", "changed")
		b.click("#go-login")
		b.waitPath("/login")
		b.fill("email", c.email)
		b.fill("password", password)
		b.click("#login-form button[type=submit]")
		b.waitPath("/profile")
		b.waitText(c.sel, c.text)
		b.checkConsole()
	}
}
