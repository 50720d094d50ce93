package app

import (
	"fmt"
	"maps"
	"testing"

	"github.com/authkit/authkit/shared"
)

func TestSafeNext_AcceptsOnlyPathsOnThisSite(t *testing.T) {
	cases := []struct{ next, want string }{
		{"/admin", "/admin"},
		{"/profile?tab=sessions", "/profile?tab=sessions"},
		{"/admin#users", "/admin#users"},
		{"", "/profile"},
		{"/", "/"},
		{"admin", "/profile"},
		{"//evil.example", "/profile"},
		{"///evil.example", "/profile"},
		{"/\\evil.example", "/profile"},
		{"/x\\..\\evil", "/profile"},
		{"\\\\evil.example", "/profile"},
		{"https://evil.example/", "/profile"},
		{"javascript:alert(1)", "/profile"},
		{"/\t/evil.example", "/profile"},
		{"/\n/evil.example", "/profile"},
		{"/%2F%2Fevil.example", "/profile"},
		{" /admin", "/profile"},
		{"/login", "/profile"},
		{"/login?next=/admin", "/profile"},
		{"/register", "/profile"},
	}
	for _, tc := range cases {
		if got := safeNext(tc.next); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}

func TestLoginURL_KeepsTheWayBack(t *testing.T) {
	cases := map[string]string{
		"/profile":   "/login?next=/profile",
		"/admin":     "/login?next=/admin",
		"/admin?q=a": "/login?next=/admin%3Fq%3Da",
		"/":          "/login",
	}
	for path, want := range cases {
		if got := loginURL(path); got != want {
			t.Errorf("loginURL(%q) = %q, want %q", path, got, want)
		}
	}
	// What loginURL writes, the login page reads back intact.
	for path := range cases {
		if path == "/" {
			continue
		}
		if got := safeNext(queryNext(t, loginURL(path))); got != path {
			t.Errorf("round trip of %q gave %q", path, got)
		}
	}
}

func TestFormErrors_PlaceEachMessageBesideItsField(t *testing.T) {
	fields := []string{"name", "email", "password"}
	cases := []struct {
		name       string
		err        error
		wantFields map[string]string
		wantNotice string
	}{
		{
			name: "validation failures go to their fields",
			err: &shared.Error{Code: shared.CodeValidationFailed, Message: "Some fields need attention.",
				Fields: map[string]string{"email": "Enter a valid email address, like name@example.com."}},
			wantFields: map[string]string{"email": "Enter a valid email address, like name@example.com."},
		},
		{
			name: "a field the form lacks shows in the notice",
			err: &shared.Error{Code: shared.CodeValidationFailed, Message: "Some fields need attention.",
				Fields: map[string]string{"email": "Bad.", "colour": "Unknown."}},
			wantFields: map[string]string{"email": "Bad."},
			wantNotice: "Some fields need attention.",
		},
		{
			name:       "email_taken shows on the email field",
			err:        shared.NewError(shared.CodeEmailTaken, "An account with this email already exists."),
			wantFields: map[string]string{"email": "An account with this email already exists."},
		},
		{
			name: "email_taken uses the server's field message when it gives one",
			err: &shared.Error{Code: shared.CodeEmailTaken, Message: "An account with this email already exists.",
				Fields: map[string]string{"email": "An account with this email already exists. Try logging in."}},
			wantFields: map[string]string{"email": "An account with this email already exists. Try logging in."},
		},
		{
			name:       "invalid credentials are a notice",
			err:        shared.NewError(shared.CodeInvalidCredentials, "Email or password is incorrect."),
			wantFields: map[string]string{},
			wantNotice: "Email or password is incorrect.",
		},
		{
			name:       "a network failure is a notice",
			err:        fmt.Errorf("%w: connection refused", ErrUnreachable),
			wantNotice: "Could not reach the server. Check your connection and try again.",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, n := formErrors(tc.err, fields)
			if len(got) != len(tc.wantFields) || !maps.Equal(got, tc.wantFields) {
				t.Errorf("fields = %v, want %v", got, tc.wantFields)
			}
			if n.Text != tc.wantNotice {
				t.Errorf("notice = %q, want %q", n.Text, tc.wantNotice)
			}
			if tc.wantNotice != "" && n.Kind != "error" {
				t.Errorf("notice kind = %q, want error", n.Kind)
			}
		})
	}
}

func TestFormErrors_WrongPasswordShowsOnCurrentPassword(t *testing.T) {
	got, n := formErrors(shared.NewError(shared.CodeWrongPassword, "Your current password is not right."), passwordFields)
	if got["current_password"] != "Your current password is not right." || n.Kind != "" {
		t.Errorf("fields %v, notice %+v", got, n)
	}
}

func TestDescribeUserAgent(t *testing.T) {
	cases := map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36":                                   "Chrome on Linux",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36":                           "Headless Chrome on Linux",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0":                                                        "Firefox on Windows",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15":                      "Safari on macOS",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1": "Safari on iOS",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0":           "Edge on Windows",
		"curl/8.5.0": "curl",
		"":           "Unknown device",
		"something":  "Unknown device",
	}
	for ua, want := range cases {
		if got := describeUserAgent(ua); got != want {
			t.Errorf("describeUserAgent(%q) = %q, want %q", ua, got, want)
		}
	}
}
