package app

import (
	"strings"
	"testing"

	"github.com/authkit/authkit/app/internal/pagetest"
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
			if can := CanReauthenticate(nil, c.user); can != (c.name != "neither") {
				t.Errorf("CanReauthenticate = %v", can)
			}
			r, p := NewReauth("r"), &SignedInPage{}
			app.HTMLString(r.Render(&p.Page, nil, &c.user)) // the closed dialog, as the card first shows it
			if !r.Ask(p, reauthRequired, nil) {
				t.Fatal("reauth_required did not open the dialog")
			}
			html := app.HTMLString(r.Render(&p.Page, nil, &c.user))
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
	if r := NewReauth("r"); r.Ask(&SignedInPage{}, &shared.Error{Code: shared.CodeWrongPassword}, nil) || r.Open() {
		t.Error("another error opened the dialog")
	}
}

// TestReauth_OffersTheModulesProofs: a module's proof (a passkey) shows
// beside the password or code, and is the whole dialog for an account
// that has nothing else, which would otherwise be told to sign in again.
// Once the server takes the proof, the dialog closes and the action runs
// again; a failure stays in the dialog.
func TestReauth_OffersTheModulesProofs(t *testing.T) {
	saved := modules
	t.Cleanup(func() { modules = saved })
	modules = []Module{{ReauthWith: func(_ *Client, u shared.User) (ReauthOption, bool) {
		return ReauthOption{Name: "passkey", Label: "Use a passkey", BusyLabel: "Waiting…"}, u.HasPasskeys
	}}}
	reauthRequired := &shared.Error{Code: shared.CodeReauthRequired, Message: "Confirm it's you."}
	for _, c := range []struct {
		name       string
		user       shared.User
		want, lack []string
	}{
		{"password and passkey", shared.User{HasPassword: true, HasPasskeys: true},
			[]string{`id="r-password"`, `id="r-passkey"`, "Use a passkey"}, []string{`id="r-code"`}},
		{"app and passkey", shared.User{TOTPEnabled: true, HasPasskeys: true},
			[]string{`id="r-code"`, `id="r-passkey"`}, []string{`id="r-password"`}},
		{"passkey only", shared.User{HasPasskeys: true},
			[]string{`id="r-passkey"`, "Choose “Use a passkey” to continue", `id="r-cancel"`, `id="r-notice"`},
			[]string{"has no password", `id="r-form"`, `id="r-password"`, `id="r-code"`}},
		{"neither", shared.User{},
			[]string{"has no password", "sign in again"}, []string{`id="r-passkey"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if can := CanReauthenticate(nil, c.user); can != (c.name != "neither") {
				t.Errorf("CanReauthenticate = %v", can)
			}
			r, p := NewReauth("r"), &SignedInPage{}
			app.HTMLString(r.Render(&p.Page, nil, &c.user))
			r.Ask(p, reauthRequired, nil)
			html := app.HTMLString(r.Render(&p.Page, nil, &c.user))
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

	user := shared.User{HasPasskeys: true}
	r, p := NewReauth("r"), &SignedInPage{}
	r.Render(&p.Page, nil, &user)
	retried := 0
	r.Ask(p, reauthRequired, func(app.Context) { retried++ })
	opt := r.options[0]
	r.proveWith(&p.Page, opt).Settle(app.Context{}, struct{}{}, NewProblem("The passkey prompt was closed before a passkey was chosen."))
	if html := app.HTMLString(r.Render(&p.Page, nil, &user)); !r.Open() || retried != 0 || !strings.Contains(html, "prompt was closed") {
		t.Fatalf("after a failed proof: open %v, retried %d: %s", r.Open(), retried, html)
	}
	r.proveWith(&p.Page, opt).Settle(app.Context{}, struct{}{}, nil)
	if r.Open() || retried != 1 {
		t.Fatalf("after the proof: open %v, retried %d", r.Open(), retried)
	}
}

// TestReauth_StaysOpenWhileItsProofIsOnItsWay: Escape and Cancel (one
// handler) close the dialog only before a proof is sent or after its
// answer, as the app's confirmations do: closed while the password is
// checked, the dialog would drop the action the answer was to run, and
// the person, who gave the right password, would see nothing happen.
func TestReauth_StaysOpenWhileItsProofIsOnItsWay(t *testing.T) {
	user := shared.User{HasPassword: true}
	r, p := NewReauth("r"), &SignedInPage{}
	app.HTMLString(r.Render(&p.Page, nil, &user))
	ran := false
	r.Ask(p, &shared.Error{Code: shared.CodeReauthRequired}, func(app.Context) { ran = true })

	r.form.Busy = true // as submit leaves it until the answer
	r.dismiss()
	html := app.HTMLString(r.Render(&p.Page, nil, &user))
	if !r.Open() || !strings.Contains(html, "Checking…") {
		t.Fatalf("the dialog was dismissed while its password was checked: %s", html)
	}
	if attrs := pagetest.TagsByID(html, "button")["r-cancel"]; attrs == nil || !hasKey(attrs, "disabled") {
		t.Errorf("Cancel is not disabled while the password is checked: %v", attrs)
	}
	Submission[struct{}]{Form: &r.form, Done: func(ctx app.Context, _ struct{}) { r.done(ctx) }}.Settle(app.Context{}, struct{}{}, nil)
	if r.Open() || !ran {
		t.Errorf("once the password was taken: open %v, action ran %v; want closed, ran", r.Open(), ran)
	}

	r.Ask(p, &shared.Error{Code: shared.CodeReauthRequired}, nil)
	r.dismiss()
	if r.Open() {
		t.Error("Cancel did not close the dialog before anything was sent")
	}
}

// TestReauth_ASessionOverLeadsToTheLoginForm: when the password, or a
// module's proof, meets a session that is over (it expired, or was ended
// from another device), the dialog closes and the page leads to the login
// form, as the cards do, rather than saying "Your session has ended" in
// a dialog no proof can get past.
func TestReauth_ASessionOverLeadsToTheLoginForm(t *testing.T) {
	saved := modules
	t.Cleanup(func() { modules = saved })
	modules = []Module{{ReauthWith: func(_ *Client, u shared.User) (ReauthOption, bool) {
		return ReauthOption{Name: "passkey", Label: "Use a passkey", BusyLabel: "Waiting…"}, u.HasPasskeys
	}}}
	sessionOver := &shared.Error{Code: shared.CodeNotAuthenticated, Message: "Your session has ended. Please log in again."}
	for _, c := range []struct {
		name   string
		settle func(r *Reauth, p *SignedInPage)
	}{
		{"password", func(r *Reauth, p *SignedInPage) {
			r.check(nil, shared.ReauthRequest{Password: "secret"}).Settle(app.Context{}, struct{}{}, sessionOver)
		}},
		{"passkey", func(r *Reauth, p *SignedInPage) {
			r.proveWith(&p.Page, r.options[0]).Settle(app.Context{}, struct{}{}, sessionOver)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			user := shared.User{HasPassword: true, HasPasskeys: true}
			r, p := NewReauth("r"), &SignedInPage{User: &user}
			app.HTMLString(r.Render(&p.Page, nil, &user))
			retried := false
			r.Ask(p, &shared.Error{Code: shared.CodeReauthRequired}, func(app.Context) { retried = true })
			c.settle(&r, p)
			if r.Open() || p.User != nil || retried || r.notice().Kind != "" {
				t.Errorf("with the session over: open %v, user %v, retried %v, notice %+v; want closed, for the login form",
					r.Open(), p.User, retried, r.notice())
			}
		})
	}
}

// TestReauth_CodeBoxTakesARecoveryCode: the dialog's code box takes a
// recovery code as well as the app's, and recovery codes hold letters:
// a phone must offer its full keyboard there, not a keypad of digits.
func TestReauth_CodeBoxTakesARecoveryCode(t *testing.T) {
	user := shared.User{TOTPEnabled: true}
	r, p := NewReauth("r"), &SignedInPage{}
	app.HTMLString(r.Render(&p.Page, nil, &user)) // the closed dialog, as the card first shows it
	if !r.Ask(p, &shared.Error{Code: shared.CodeReauthRequired}, nil) {
		t.Fatal("reauth_required did not open the dialog")
	}
	code := pagetest.TagsByID(app.HTMLString(r.Render(&p.Page, nil, &user)), "input")["r-code"]
	if code == nil {
		t.Fatal("the dialog has no code box")
	}
	if code["inputmode"] == "numeric" {
		t.Errorf("the code box offers only digits: %v", code)
	}
	if code["autocomplete"] != "one-time-code" || code["spellcheck"] != "false" || code["autocapitalize"] != "none" {
		t.Errorf("code box = %v", code)
	}
}
