package app

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/authkit/authkit/app/internal/pagetest"
)

// These tests read the pages as the server prerenders them: the HTML a
// browser shows before app.wasm starts, and what a crawler sees.

func prerender(t *testing.T, path string) (int, string) {
	t.Helper()
	Routes()
	return pagetest.Prerender(t, path)
}

func TestPages_PrerenderWithoutUserData(t *testing.T) {
	cases := map[string][]string{
		"/":         {`id="main"`},
		"/login":    {`id="login-form"`},
		"/register": {`id="register-form"`},
		"/profile":  {"Loading your profile…"},
		"/admin":    {"Checking your access…"},

		"/forgot-password":             {`id="forgot-password-form"`},
		"/reset-password?token=s3cr3t": {`id="reset-password-form"`},
		"/verify-email?token=s3cr3t":   {"Confirming your email address…"},
	}
	for path, wants := range cases {
		code, body := prerender(t, path)
		if code != http.StatusOK {
			t.Errorf("GET %s: status %d", path, code)
		}
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s: page lacks %q", path, want)
			}
		}
		for _, leak := range []string{`id="account-email"`, `id="sessions"`, "eyJhbGciOi", "Signed in as", "s3cr3t"} {
			if strings.Contains(body, leak) {
				t.Errorf("GET %s: prerendered page contains %q", path, leak)
			}
		}
	}
}

// go-app renders Disabled(false) as disabled="false", which browsers
// read as disabled; nothing may be disabled before the app runs.
func TestPages_NothingIsDisabledBeforeTheAppRuns(t *testing.T) {
	for _, path := range []string{"/", "/login", "/register", "/profile", "/admin", "/forgot-password",
		"/reset-password?token=t", "/verify-email?token=t", "/nowhere"} {
		_, body := prerender(t, path)
		if strings.Contains(body, "disabled") {
			t.Errorf("GET %s: prerendered page has a disabled element", path)
		}
	}
}

func TestPages_UnknownPathShowsTheNotFoundPage(t *testing.T) {
	_, body := prerender(t, "/no/such/page")
	if !strings.Contains(body, "Page not found") {
		t.Errorf("unknown path did not render the not-found page")
	}
	if IsPage("/no/such/page") || !IsPage("/profile") {
		t.Errorf("IsPage disagrees with the routes")
	}
}

// inputSpec is what a form field must carry for browsers, password
// managers and assistive technology.
type inputSpec struct {
	name, kind, autocomplete, label string
}

func TestForms_FieldsAreLabelledTypedAndNamed(t *testing.T) {
	cases := map[string][]inputSpec{
		"/login": {
			// "webauthn" lets the browser offer passkeys in its autofill.
			{"email", "email", "username webauthn", "Email"},
			{"password", "password", "current-password", "Password"},
		},
		"/register": {
			{"name", "text", "name", "Name"},
			{"email", "email", "email", "Email"},
			{"password", "password", "new-password", "Password"},
		},
		"/forgot-password": {
			{"email", "email", "email", "Email"},
		},
		"/reset-password?token=t": {
			{"new_password", "password", "new-password", "New password"},
		},
	}
	for path, specs := range cases {
		_, body := prerender(t, path)
		inputs := pagetest.TagsByID(body, "input")
		for _, want := range specs {
			got, ok := inputs[want.name]
			if !ok {
				t.Errorf("%s: no input with id %q", path, want.name)
				continue
			}
			if got["name"] != want.name || got["type"] != want.kind || got["autocomplete"] != want.autocomplete {
				t.Errorf("%s: input %q = %v, want name=%s type=%s autocomplete=%s",
					path, want.name, got, want.name, want.kind, want.autocomplete)
			}
			label := regexp.MustCompile(`<label for="` + want.name + `">([^<]*)</label>`).FindStringSubmatch(body)
			if label == nil || label[1] != want.label {
				t.Errorf("%s: label for %q = %v, want %q", path, want.name, label, want.label)
			}
		}
	}
}

func queryNext(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("next")
}
