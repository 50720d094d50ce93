package account

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/app/internal/pagetest"
	"github.com/authkit/authkit/shared"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The tests register the app's routes with this module plugged in, as
// main does.
func init() { app.Routes(Module()) }

func TestPages_PrerenderWithoutTheToken(t *testing.T) {
	for path, want := range map[string]string{
		"/confirm-email?token=s3cr3t": "Changing your email address…",
		"/goodbye":                    "Your account has been deleted",
	} {
		if !app.IsPage(strings.Split(path, "?")[0]) {
			t.Errorf("%s is not a page", path)
		}
		code, body := pagetest.Prerender(t, path)
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, lacks %q", path, code, want)
		}
		for _, leak := range []string{"s3cr3t", "eyJhbGciOi", "disabled", `id="whoami"`} {
			if strings.Contains(body, leak) {
				t.Errorf("GET %s: prerendered page contains %q", path, leak)
			}
		}
	}
}

// countingServer counts the requests the cards send.
func countingServer(t *testing.T) (*atomic.Int32, *app.Client) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Error(w, `{"error":{"code":"internal","message":"unexpected"}}`, http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	return &n, app.NewClient(srv.URL, app.HTTPSender(srv.Client()), func() string { return "" })
}

func TestDeletion_TheTypedSentenceIsCheckedBeforeAnythingIsSent(t *testing.T) {
	requests, api := countingServer(t)
	c := newDangerCard(api)
	c.User = &shared.User{ID: "u1", Email: "ann@example.com", Name: "Ann", HasPassword: true}
	c.deletion.Set("confirmation", "delete it")
	c.onDelete(goapp.Context{}, goapp.Event{})
	time.Sleep(50 * time.Millisecond) // anything sent would have arrived
	if n := requests.Load(); n != 0 {
		t.Fatalf("a mistyped confirmation sent %d requests", n)
	}
	html := goapp.HTMLString(c.Render())
	for id, want := range map[string]string{
		"delete-confirmation-error":     "Type “delete my account” exactly, to show you mean it.",
		"delete-current_password-error": "Enter your current password.",
	} {
		if got := pagetest.TextByID(html, id); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if attrs := pagetest.TagsByID(html, "input")["delete-confirmation"]; attrs == nil || attrs["aria-describedby"] != "delete-confirmation-error" {
		t.Logf("%v", attrs)
		t.Errorf("the confirmation field is not marked invalid")
	}
}

func TestEmailCard_RefusesTheCurrentAddressWithoutARequest(t *testing.T) {
	requests, api := countingServer(t)
	c := newEmailCard(api)
	c.User = &shared.User{ID: "u1", Email: "ann@example.com", Name: "Ann", HasPassword: true}
	c.form.Set("new_email", " Ann@Example.com")
	c.form.Set("current_password", "x")
	c.onSubmit(goapp.Context{}, goapp.Event{})
	time.Sleep(50 * time.Millisecond)
	if n := requests.Load(); n != 0 {
		t.Fatalf("sent %d requests", n)
	}
	html := goapp.HTMLString(c.Render())
	if got := pagetest.TextByID(html, "email-new_email-error"); got != "This is already your email address." {
		t.Errorf("error = %q", got)
	}
	for _, want := range []map[string]string{
		{"id": "email-new_email", "type": "email", "autocomplete": "email"},
		{"id": "email-current_password", "type": "password", "autocomplete": "current-password"},
	} {
		if !pagetest.HasTag(html, "input", want) {
			t.Errorf("the form lacks <input %v>", want)
		}
	}
}

func TestActivityCard_ListsEventsInPlainWords(t *testing.T) {
	_, api := countingServer(t)
	c := newActivityCard(api)
	c.User = &shared.User{ID: "u1"}
	at := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	c.events = []shared.SecurityEvent{
		{ID: "e2", Type: shared.EventSignIn, At: at, IP: "127.0.0.1", Detail: map[string]string{"method": "password"},
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"},
		{ID: "e1", Type: shared.EventSignInFailed, At: at, IP: "10.0.0.2", Detail: map[string]string{"count": "3"}},
	}
	c.done = true
	html := goapp.HTMLString(c.Render())
	for _, want := range []string{
		"Signed in from Chrome on Linux, 127.0.0.1",
		"Failed sign-in (3 times) from 10.0.0.2",
		`datetime="2026-11-25T09:30:00Z"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if strings.Contains(html, `id="activity-more"`) {
		t.Errorf("a finished list offers more")
	}
}

// TestCards_AnAccountWithoutAPasswordTypesNone: an account made by a
// sign-in provider has no password to type; the cards leave the field out
// and let the server ask for a recent sign-in (the dialog gets it).
func TestCards_AnAccountWithoutAPasswordTypesNone(t *testing.T) {
	_, api := countingServer(t)
	pat := &shared.User{ID: "u1", Email: "pat@example.com", Name: "Pat"}
	danger, email := newDangerCard(api), newEmailCard(api)
	danger.User, email.User = pat, pat
	for id, html := range map[string]string{"delete": goapp.HTMLString(danger.Render()), "email": goapp.HTMLString(email.Render())} {
		if strings.Contains(html, id+"-current_password") || !strings.Contains(html, `id="`+id+`-reauth"`) {
			t.Errorf("%s card: %s", id, html)
		}
	}

	if err := checkDeletion(shared.DeleteConfirmation, false, shared.DeleteAccountRequest{}); err != nil {
		t.Errorf("deletion without a password: %v", err)
	}
	if err := checkEmailChange("pat@example.com", false, &shared.ChangeEmailRequest{NewEmail: "pat.new@example.com"}); err != nil {
		t.Errorf("email change without a password: %v", err)
	}
	var e *shared.Error
	err := checkEmailChange("ann@example.com", true, &shared.ChangeEmailRequest{NewEmail: "ann@example.com"})
	if !errors.As(err, &e) || e.Fields["new_email"] == "" || e.Fields["current_password"] != "Enter your current password." {
		t.Errorf("email change with a password missing: %v", err)
	}
}
