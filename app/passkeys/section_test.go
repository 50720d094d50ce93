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

func (m *mountedCard) OnPreRender(ctx goapp.Context) { m.OnMount(ctx); mountedCtx = ctx }

// mountedCtx is the context of the card mounted last, for a test to
// press its buttons with.
var mountedCtx goapp.Context

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
	s.reauth.Ask(&s.SignedInPage, &shared.Error{Code: shared.CodeReauthRequired, Message: "Confirm it's you."}, nil)
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

// TestSection_ASessionOverLeadsToTheLoginForm: adding or deleting a
// passkey when the session has ended (and no refresh cures it) leads to
// the login form, which comes back to the profile, as the other cards do,
// rather than leaving "log in" in the card's notice.
func TestSection_ASessionOverLeadsToTheLoginForm(t *testing.T) {
	var mu sync.Mutex
	over := false
	s, engine := mountedSection(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case over:
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(shared.ErrorBody{Error: shared.NewError(shared.CodeNotAuthenticated, "Your session has ended. Please log in again.")})
		case r.URL.Path == "/api/me":
			json.NewEncoder(w).Encode(shared.UserResponse{User: shared.User{ID: "u1", Email: "ann@example.com", EmailVerified: true, HasPassword: true}})
		case r.URL.Path == "/api/me/passkeys":
			json.NewEncoder(w).Encode(sharedpasskeys.PasskeysResponse{Passkeys: []sharedpasskeys.Passkey{{ID: "k1", Name: "Laptop", CreatedAt: time.Now()}}})
		default:
			http.NotFound(w, r)
		}
	})
	if !s.loaded {
		t.Fatalf("the card did not load: %v", s.loadErr)
	}
	mu.Lock()
	over = true
	mu.Unlock()

	s.onAdd(mountedCtx, goapp.Event{})
	engine.ConsumeAll()
	if s.User != nil || s.addForm.Notice.Kind != "" {
		t.Errorf("adding with the session over: user %v, notice %+v; want the login form", s.User, s.addForm.Notice)
	}

	s.User = &shared.User{ID: "u1", EmailVerified: true, HasPassword: true} // as a new sign-in leaves it
	s.askDelete(s.list[0])
	s.onDelete(mountedCtx, goapp.Event{})
	engine.ConsumeAll()
	if s.User != nil || s.deletion.Notice.Kind != "" {
		t.Errorf("deleting with the session over: user %v, notice %+v; want the login form", s.User, s.deletion.Notice)
	}
}

// TestSection_AClickAfterTheDeletionSendsNothing: the second click of a
// double click on the confirmation's Delete may arrive after the answer
// to the first, before the confirmation is drawn away: there is no passkey
// awaiting deletion any more, and nothing is sent (it would have asked to
// delete the passkey with an empty id).
func TestSection_AClickAfterTheDeletionSendsNothing(t *testing.T) {
	var mu sync.Mutex
	var deletes []string
	s, engine := mountedSection(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodDelete:
			deletes = append(deletes, r.URL.Path)
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/api/me":
			json.NewEncoder(w).Encode(shared.UserResponse{User: shared.User{ID: "u1", Email: "ann@example.com", EmailVerified: true, HasPassword: true}})
		case r.URL.Path == "/api/me/passkeys":
			json.NewEncoder(w).Encode(sharedpasskeys.PasskeysResponse{Passkeys: []sharedpasskeys.Passkey{{ID: "k1", Name: "Laptop", CreatedAt: time.Now()}}})
		default:
			http.NotFound(w, r)
		}
	})
	s.askDelete(s.list[0])
	s.onDelete(mountedCtx, goapp.Event{})
	engine.ConsumeAll()
	s.onDelete(mountedCtx, goapp.Event{})
	engine.ConsumeAll()
	if len(deletes) != 1 || deletes[0] != "/api/me/passkeys/k1" {
		t.Errorf("DELETE requests %q, want one for k1", deletes)
	}
	if s.deletion.Notice.Kind != "success" {
		t.Errorf("notice %+v, want the deletion's success", s.deletion.Notice)
	}
}

// TestSection_AnotherDeleteWaitsWhileADeletionRuns: while the deletion of
// the laptop's passkey is on its way, Delete on the phone's must not move
// the busy confirmation under the phone: it would say the phone's passkey
// is being deleted, then "Passkey deleted." with the phone's passkey still
// listed and the laptop's gone. (The notes page and the connected accounts
// ignore a new Delete while one runs.)
func TestSection_AnotherDeleteWaitsWhileADeletionRuns(t *testing.T) {
	answer := make(chan struct{})
	s, engine := mountedSection(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodDelete:
			<-answer
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/api/me":
			json.NewEncoder(w).Encode(shared.UserResponse{User: shared.User{ID: "u1", Email: "ann@example.com", EmailVerified: true, HasPassword: true}})
		case r.URL.Path == "/api/me/passkeys":
			json.NewEncoder(w).Encode(sharedpasskeys.PasskeysResponse{Passkeys: []sharedpasskeys.Passkey{
				{ID: "k1", Name: "Laptop", CreatedAt: time.Now()}, {ID: "k2", Name: "Phone", CreatedAt: time.Now()}}})
		default:
			http.NotFound(w, r)
		}
	})
	s.askDelete(s.list[0])
	s.onDelete(mountedCtx, goapp.Event{}) // the laptop's, on its way
	s.askDelete(s.list[1])                // Delete on the phone's row
	html := goapp.HTMLString(s.Render())
	if i := strings.Index(html, `data-passkey="k2"`); i >= 0 && strings.Contains(html[i:], "Deleting…") {
		t.Errorf("while the laptop's passkey is being deleted, the phone's row shows the busy confirmation (\"Deleting…\", Cancel disabled); confirming=%q", s.confirming)
	}
	close(answer)
	engine.ConsumeAll()
	html = goapp.HTMLString(s.Render())
	if strings.Contains(html, `id="passkey-delete-panel"`) && strings.Contains(html, "Delete the passkey Phone") && s.deletion.Notice.Text == "Passkey deleted." {
		t.Errorf("after the laptop's deletion, the phone's confirmation is still up beside \"Passkey deleted.\"")
	}
}
