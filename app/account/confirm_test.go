package account

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestConfirmPage_ADoubleClickOnTryAgainSendsTheLinkOnce: after the server
// could not be reached, Try again sends the link again; the second click
// of a double click arrives before the button is gone, and a second
// request would find the token spent by the first and turn the change of
// address into "This link is invalid".
func TestConfirmPage_ADoubleClickOnTryAgainSendsTheLinkOnce(t *testing.T) {
	var (
		mu    sync.Mutex
		sent  int
		spent bool
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		answer := func(status int, v any) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(v)
		}
		if r.URL.Path != "/api/auth/confirm-email-change" {
			answer(http.StatusUnauthorized, shared.ErrorBody{Error: shared.NewError(shared.CodeNotAuthenticated, "Please log in.")})
			return
		}
		sent++
		switch {
		case sent == 1:
			answer(http.StatusServiceUnavailable, shared.ErrorBody{Error: shared.NewError(shared.CodeUnavailable, "The service is temporarily unavailable.")})
		case spent:
			answer(http.StatusBadRequest, shared.ErrorBody{Error: shared.NewError(shared.CodeInvalidToken, "This link is invalid or has expired. Ask for a new one.")})
		default:
			spent = true
			answer(http.StatusOK, shared.UserResponse{User: shared.User{ID: "u1", Email: "new@example.com"}})
		}
	}))
	t.Cleanup(srv.Close)
	p := &confirmPage{api: app.NewClient(srv.URL, app.HTTPSender(srv.Client()), func() string { return "" }), token: "tok"}
	mounted := &mountedConfirm{confirmPage: p}
	engine := goapp.NewTestEngine()
	if err := engine.Load(mounted); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	p.confirm(mounted.ctx, false)
	engine.ConsumeAll()
	if !app.HasCode(p.err, shared.CodeUnavailable) {
		t.Fatalf("the first try: %v, want unavailable", p.err)
	}

	p.onRetry(mounted.ctx, goapp.Event{})
	p.onRetry(mounted.ctx, goapp.Event{})
	engine.ConsumeAll()
	if sent != 2 {
		t.Errorf("the link was sent %d times, want 2: once, then once again", sent)
	}
	if p.err != nil || p.notice.Kind != "success" {
		t.Errorf("after Try again: error %v, notice %+v; want the address changed", p.err, p.notice)
	}
}

// mountedConfirm mounts the page in go-app's test engine, which calls
// OnPreRender where a browser calls OnMount, and keeps its context.
type mountedConfirm struct {
	*confirmPage
	ctx goapp.Context
}

func (m *mountedConfirm) OnPreRender(ctx goapp.Context) { m.OnMount(ctx); m.ctx = ctx }
