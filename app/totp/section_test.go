package totp

import (
	"strings"
	"testing"

	"github.com/authkit/authkit/shared"
	sharedtotp "github.com/authkit/authkit/shared/totp"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestSection_TurningOffCannotBeDismissedWhileItRuns: the confirmation of
// turning two-factor authentication off stays, busy, while the request
// runs: Escape and Cancel (one handler) close it only before, as the
// other confirmations of the app do, so its outcome is not lost.
func TestSection_TurningOffCannotBeDismissedWhileItRuns(t *testing.T) {
	s := newSection(nil)
	s.User = &shared.User{Email: "ann@example.com", EmailVerified: true, HasPassword: true, TOTPEnabled: true}
	s.status = &sharedtotp.StatusResponse{Enabled: true, RecoveryCodesLeft: sharedtotp.RecoveryCodeCount}

	s.onAskTurnOff(goapp.Context{}, goapp.Event{})
	s.acting, s.action.Busy = "off", true // as onTurnOff leaves it until the answer
	s.onCancelTurnOff(goapp.Context{}, goapp.Event{})
	if html := goapp.HTMLString(s.Render()); !strings.Contains(html, `id="totp-off-panel"`) || !strings.Contains(html, "Turning off…") {
		t.Errorf("the confirmation was dismissed while turning off: %s", html)
	}

	s.action.Busy = false // answered
	s.onCancelTurnOff(goapp.Context{}, goapp.Event{})
	if html := goapp.HTMLString(s.Render()); strings.Contains(html, `id="totp-off-panel"`) {
		t.Errorf("Cancel did not close the confirmation: %s", html)
	}
}

// TestSection_TurningOffWhileNewCodesAreMadeSendsNothingAndSaysNothing:
// the section's buttons share one busy state, and a button pressed while
// another's request runs sends nothing. Turning off, confirmed while new
// recovery codes are being made, took the spinner for itself: "Turning
// off…" showed for a request never sent, and the codes' own spinner
// went, until the codes came and the confirmation stood idle again.
func TestSection_TurningOffWhileNewCodesAreMadeSendsNothingAndSaysNothing(t *testing.T) {
	s := newSection(nil)
	s.User = &shared.User{Email: "ann@example.com", EmailVerified: true, HasPassword: true, TOTPEnabled: true}
	s.status = &sharedtotp.StatusResponse{Enabled: true, RecoveryCodesLeft: 3}
	s.acting, s.action.Busy = "codes", true // as onNewCodes leaves it until the answer

	s.onAskTurnOff(goapp.Context{}, goapp.Event{})
	s.onTurnOff(goapp.Context{}, goapp.Event{})
	if html := goapp.HTMLString(s.Render()); strings.Contains(html, "Turning off…") {
		t.Errorf("turning off, which sent nothing, shows as under way: %s", html)
	}
	if !s.busy("codes") {
		t.Errorf("the new codes being made no longer show as under way (acting %q)", s.acting)
	}
}
