package account_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/mail/mailtest"
	"github.com/authkit/authkit/server/passkeys/passkeystest"
	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

func TestExport_HoldsTheAccountAndEveryModulesData(t *testing.T) {
	ts := newServer(t)
	b := ts.Browser()
	ann := b.Register("ann@example.com", "Ann")
	b.ConfirmEmail()
	b.Do("POST", "/api/bookmarks", map[string]string{"url": "https://go.dev/"}).ExpectStatus(t, http.StatusNoContent)
	b.Do("POST", "/api/bookmarks", map[string]string{"url": "https://pkg.go.dev/"}).ExpectStatus(t, http.StatusNoContent)
	phone := ts.Browser()
	phone.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	phone.Do("POST", "/api/auth/logout", nil).ExpectStatus(t, http.StatusNoContent)
	bob := ts.Browser()
	bob.Register("bob@example.com", "Bob") // none of his
	bob.Do("POST", "/api/bookmarks", map[string]string{"url": "https://bob.example/"}).ExpectStatus(t, http.StatusNoContent)

	r := b.Do("GET", "/api/me/export", nil)
	r.ExpectStatus(t, http.StatusOK)
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="authkit-data-`) || !strings.HasSuffix(cd, `.json"`) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if r.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Errorf("headers = %v", r.Header)
	}
	var export shared.AccountExport
	r.Decode(t, &export)
	if export.Account.ID != ann.ID || export.Account.Email != "ann@example.com" || export.ExportedAt.IsZero() {
		t.Errorf("account = %+v", export.Account)
	}
	if len(export.Sessions) != 2 || !export.Sessions[1].Current || export.Sessions[0].RevokedAt == nil {
		t.Errorf("sessions = %+v (want this one and the phone's, ended)", export.Sessions)
	}
	if len(export.SecurityEvents) != 4 || export.SecurityEvents[3].Type != shared.EventAccountCreated {
		t.Errorf("events = %v", apitest.EventTypes(export.SecurityEvents))
	}
	var modules struct {
		Bookmarks bookmarkList `json:"bookmarks"`
	}
	raw, _ := json.Marshal(export.Modules)
	if err := json.Unmarshal(raw, &modules); err != nil || export.Modules["bookmarks"] == nil {
		t.Fatalf("modules = %s (%v)", raw, err)
	}
	if urls := modules.Bookmarks.URLs; len(urls) != 2 || urls[0] != "https://go.dev/" || urls[1] != "https://pkg.go.dev/" {
		t.Errorf("the module's data = %s", raw)
	}
	if body := string(r.Body); strings.Contains(body, "bob") || strings.Contains(body, "password_hash") {
		t.Errorf("the export holds what is not the caller's: %s", r.Body)
	}
	ts.Browser().Do("GET", "/api/me/export", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
}

// TestExport_HoldsTheSecondFactorsWithoutTheirSecrets: the authenticator
// app and the passkeys are in the export, as facts about the account (on
// since when, codes left, names and dates), never as the secret, the
// recovery codes or a credential.
func TestExport_HoldsTheSecondFactorsWithoutTheirSecrets(t *testing.T) {
	ts := newServer(t, withPasskeys)
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	b.ConfirmEmail()
	var empty shared.AccountExport
	b.Do("GET", "/api/me/export", nil).Decode(t, &empty)
	if raw, _ := json.Marshal(empty.Modules); !strings.Contains(string(raw), `"totp":{"enabled":false,`) ||
		!strings.Contains(string(raw), `"passkeys":{"passkeys":[]}`) {
		t.Errorf("modules of an account without second factors = %s", raw)
	}

	secret, codes := ts.enableTOTP(t, b)
	b.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Code: codes[0]}).ExpectStatus(t, http.StatusNoContent)
	authenticator := passkeystest.New(t, publicURL)
	passkeystest.Register(t, b, authenticator, "Ann's laptop")

	r := b.Do("GET", "/api/me/export", nil)
	r.ExpectStatus(t, http.StatusOK)
	var export struct {
		Modules struct {
			TOTP     sharedtotp.UserData     `json:"totp"`
			Passkeys sharedpasskeys.UserData `json:"passkeys"`
		} `json:"modules"`
	}
	r.Decode(t, &export)
	app := export.Modules.TOTP
	if !app.Enabled || app.EnabledAt == nil || app.SetUpAt == nil || app.SetupPending ||
		app.RecoveryCodesLeft != 9 || app.RecoveryCodesUsed != 1 || app.RecoveryCodesMadeAt == nil {
		t.Errorf("totp = %+v", app)
	}
	keys := export.Modules.Passkeys.Passkeys
	if len(keys) != 1 || keys[0].Name != "Ann's laptop" || keys[0].ID == "" || keys[0].CreatedAt.IsZero() {
		t.Errorf("passkeys = %+v", keys)
	}
	body := string(r.Body)
	for _, secretText := range append([]string{secret, "credential", "public_key", "code_hash", "sign_count"}, codes...) {
		if strings.Contains(body, secretText) {
			t.Errorf("the export holds %q: %s", secretText, body)
		}
	}
}

func TestNotices_NewDevicesAndPasswordChangesAreMailed(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newServer(t, apitest.WithMail(smtp.URL()))
	ts.Browser().Register("ann@example.com", "Ann")
	// The device that made the account is known: no notice.
	ts.Browser().Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	firefox := "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
	b := ts.Browser()
	b.Do("POST", "/api/auth/login", shared.LoginRequest{Email: "ann@example.com", Password: apitest.Password}, "User-Agent", firefox).
		ExpectStatus(t, http.StatusOK)
	m := waitForSubject(t, smtp, "New sign-in to your account")
	if text := m.Part("text/plain"); m.To[0] != "ann@example.com" || !strings.Contains(text, "Firefox on Windows, 127.0.0.1") ||
		!strings.Contains(text, "https://app.example.com/profile#sessions") {
		t.Errorf("notice to %v:\n%s", m.To, text)
	}
	b.Do("POST", "/api/auth/login", shared.LoginRequest{Email: "ann@example.com", Password: apitest.Password}, "User-Agent", firefox).
		ExpectStatus(t, http.StatusOK)

	b.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "a brand new passphrase"}, "User-Agent", firefox).
		ExpectStatus(t, http.StatusNoContent)
	m = waitForSubject(t, smtp, "Your password was changed")
	if !strings.Contains(m.Part("text/plain"), "Firefox on Windows, 127.0.0.1") {
		t.Errorf("password notice:\n%s", m.Part("text/plain"))
	}
	if n := mailsWithSubject(smtp, "New sign-in to your account"); n != 1 {
		t.Errorf("%d new sign-in notices, want 1 (the second sign-in was from a known device)", n)
	}
}

func TestNotices_CanBeTurnedOff(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newServer(t, apitest.WithMail(smtp.URL()), apitest.WithConfig(func(c *auth.Config) {
		c.Notices = auth.NoticeSettings{NoNewSignIn: true, NoPasswordChanged: true, NoEmailChange: true}
	}))
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	b.ConfirmEmail()
	b.Do("POST", "/api/auth/login", shared.LoginRequest{Email: "ann@example.com", Password: apitest.Password}, "User-Agent", "curl/8.5.0").
		ExpectStatus(t, http.StatusOK)
	b.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "a brand new passphrase"}).
		ExpectStatus(t, http.StatusNoContent)
	b.Do("POST", "/api/me/email", shared.ChangeEmailRequest{NewEmail: "new@example.com", CurrentPassword: "a brand new passphrase"}).
		ExpectStatus(t, http.StatusAccepted)
	waitForSubject(t, smtp, "Confirm your new email address") // links are not notices: they still go
	for _, m := range smtp.Messages() {
		if s := m.Subject(); s != "Confirm your email address" && s != "Confirm your new email address" {
			t.Errorf("sent %q although notices are off", s)
		}
	}
}
