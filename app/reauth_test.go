package app

import (
	"strings"
	"testing"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestReauth_AsksEachAccountForWhatItHas: the dialog asks for the
// password; an account without one (made by a sign-in provider) for a
// code of its authenticator app, or, with neither, to sign in again.
func TestReauth_AsksEachAccountForWhatItHas(t *testing.T) {
	reauthRequired := &shared.Error{Code: shared.CodeReauthRequired, Message: "Confirm it's you."}
	for _, c := range []struct {
		name       string
		user       shared.User
		want, lack []string
	}{
		{"password", shared.User{HasPassword: true},
			[]string{`id="r-password"`, "Enter your password"}, []string{`id="r-code"`, `id="r-switch"`}},
		{"password and app", shared.User{HasPassword: true, TOTPEnabled: true},
			[]string{`id="r-password"`, `id="r-switch"`}, []string{`id="r-code"`}},
		{"app only", shared.User{TOTPEnabled: true},
			[]string{`id="r-code"`, "Enter a code"}, []string{`id="r-password"`, `id="r-switch"`}},
		{"neither", shared.User{},
			[]string{"has no password", "sign in again", `id="r-cancel"`}, []string{`id="r-password"`, `id="r-code"`, `id="r-form"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, p := NewReauth("r"), &Page{}
			app.HTMLString(r.Render(p, nil, &c.user)) // the closed dialog, as the card first shows it
			if !r.Ask(p, reauthRequired, nil) {
				t.Fatal("reauth_required did not open the dialog")
			}
			html := app.HTMLString(r.Render(p, nil, &c.user))
			for _, s := range c.want {
				if !strings.Contains(html, s) {
					t.Errorf("the dialog lacks %s: %s", s, html)
				}
			}
			for _, s := range c.lack {
				if strings.Contains(html, s) {
					t.Errorf("the dialog has %s: %s", s, html)
				}
			}
		})
	}
	if r := NewReauth("r"); r.Ask(&Page{}, &shared.Error{Code: shared.CodeWrongPassword}, nil) || r.Open() {
		t.Error("another error opened the dialog")
	}
}
