package passkeys

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/app"
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
	s.User = &shared.User{Email: "ann@example.com", EmailVerified: true, HasPassword: true}
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

// mountedSection is the card mounted in go-app's test engine, calling a
// server that answers with api. Natively go-app calls OnPreRender where a
// browser calls OnMount: mountedSection passes it on, so the card loads
// in the background and applies the answers as in the browser
// (engine.ConsumeAll waits for them).
func mountedSection(t *testing.T, api http.HandlerFunc) (*section, goapp.TestEngine) {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	s := newSection(app.NewClient(srv.URL, app.HTTPSender(srv.Client()), func() string { return "" }))
	engine := goapp.NewTestEngine()
	if err := engine.Load(&mountedCard{s}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	return s, engine
}

type mountedCard struct{ *section }

func (m *mountedCard) OnPreRender(ctx goapp.Context) { m.OnMount(ctx) }

// TestSection_LearnsThatTwoFactorWasTurnedOn: once another card has turned
// two-factor authentication on and said so (Client.UserChanged), the
// card's re-authentication dialog offers a code as well as the password.
func TestSection_LearnsThatTwoFactorWasTurnedOn(t *testing.T) {
	var mu sync.Mutex
	user := shared.User{ID: "u1", Email: "ann@example.com", EmailVerified: true, HasPassword: true}
	s, engine := mountedSection(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/me":
			json.NewEncoder(w).Encode(shared.UserResponse{User: user})
		case "/api/me/passkeys":
			json.NewEncoder(w).Encode(sharedpasskeys.PasskeysResponse{})
		default:
			http.NotFound(w, r)
		}
	})
	if !s.loaded {
		t.Fatalf("the card did not load: %v", s.loadErr)
	}
	s.reauth.Ask(&s.Page, &shared.Error{Code: shared.CodeReauthRequired, Message: "Confirm it's you."}, nil)
	offersCode := func() bool {
		return strings.Contains(goapp.HTMLString(s.Render()), `id="passkey-reauth-switch"`)
	}
	if offersCode() {
		t.Fatal("a code is offered before the app is on")
	}

	mu.Lock()
	user.TOTPEnabled = true
	mu.Unlock()
	s.API.UserChanged() // as the totp card's call does
	engine.ConsumeAll()
	if !offersCode() {
		t.Errorf("with the app turned on in another card, the dialog offers no code: %s", goapp.HTMLString(s.Render()))
	}
}
