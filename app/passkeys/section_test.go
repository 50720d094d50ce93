package passkeys

import (
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestSection_DeletingCannotBeDismissedWhileItRuns: the confirmation of
// deleting a passkey stays, busy, while the request runs: Escape and
// Cancel (one handler) close it only before, as the other confirmations
// of the app do, so its outcome is not lost.
func TestSection_DeletingCannotBeDismissedWhileItRuns(t *testing.T) {
	s := newSection(nil)
	s.user = &shared.User{Email: "ann@example.com", EmailVerified: true, HasPassword: true}
	s.list = []sharedpasskeys.Passkey{{ID: "k1", Name: "Laptop", CreatedAt: time.Now()}}
	s.loaded = true

	s.askDelete(s.list[0])
	s.deletion.Busy = true // as onDelete leaves it until the answer
	s.onCancelDelete(goapp.Context{}, goapp.Event{})
	if html := goapp.HTMLString(s.Render()); !strings.Contains(html, `id="passkey-delete-panel"`) || !strings.Contains(html, "Deleting…") {
		t.Errorf("the confirmation was dismissed while deleting: %s", html)
	}

	s.deletion.Busy = false // answered
	s.onCancelDelete(goapp.Context{}, goapp.Event{})
	if html := goapp.HTMLString(s.Render()); strings.Contains(html, `id="passkey-delete-panel"`) {
		t.Errorf("Cancel did not close the confirmation: %s", html)
	}
}
