package app

import (
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// signedInProfile is the profile page once loaded, for user.
func signedInProfile(user shared.User) *profilePage {
	p := newProfilePage(nil)
	p.User = &user
	return p
}

// TestProfile_AnAccountWithoutAPasswordIsOfferedToSetOne: an account made
// by a sign-in provider has no current password to type, so the password
// form gives way to a button that mails the link that sets one.
func TestProfile_AnAccountWithoutAPasswordIsOfferedToSetOne(t *testing.T) {
	joined := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	html := app.HTMLString(signedInProfile(shared.User{Email: "ann@example.com", Name: "Ann", DateJoined: joined}).Render())
	if !strings.Contains(html, `id="set-password"`) || !strings.Contains(html, "Set a password") || strings.Contains(html, `id="password-form"`) {
		t.Errorf("without a password: %s", html)
	}
	html = app.HTMLString(signedInProfile(shared.User{Email: "ann@example.com", Name: "Ann", DateJoined: joined, HasPassword: true}).Render())
	if strings.Contains(html, `id="set-password"`) || !strings.Contains(html, `id="password-form"`) {
		t.Errorf("with a password: %s", html)
	}
}
