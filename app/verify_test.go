package app

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestVerifyEmail_ADoubleClickOnTryAgainSendsTheLinkOnce: after the
// server could not be reached, Try again sends the link again; the second
// click of a double click arrives before the button is gone, and a second
// request would find the token spent by the first and turn the success
// into "This link is invalid".
func TestVerifyEmail_ADoubleClickOnTryAgainSendsTheLinkOnce(t *testing.T) {
	var (
		mu    sync.Mutex
		sent  int
		spent bool
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path != "/api/auth/verify-email" {
			writeError(w, shared.CodeNotAuthenticated, "Please log in.", nil)
			return
		}
		sent++
		switch {
		case sent == 1:
			writeError(w, shared.CodeUnavailable, "The service is temporarily unavailable. Please try again in a few seconds.", nil)
		case spent:
			writeError(w, shared.CodeInvalidToken, "This link is invalid or has expired. Ask for a new one.", nil)
		default:
			spent = true
			writeJSON(w, http.StatusOK, shared.UserResponse{User: shared.User{ID: "u1", Email: "carol@example.com", EmailVerified: true}})
		}
	}))
	t.Cleanup(srv.Close)
	p := &verifyEmailPage{api: NewClient(srv.URL, HTTPSender(srv.Client()), func() string { return "" }), token: "tok"}
	engine := app.NewTestEngine()
	if err := engine.Load(&mountedVerify{p}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	p.verify(p.self, false)
	engine.ConsumeAll()
	if !HasCode(p.err, shared.CodeUnavailable) {
		t.Fatalf("the first try: %v, want unavailable", p.err)
	}

	p.onRetry(p.self, app.Event{})
	p.onRetry(p.self, app.Event{})
	engine.ConsumeAll()
	if sent != 2 {
		t.Errorf("the link was sent %d times, want 2: once, then once again", sent)
	}
	if p.err != nil || p.notice.Kind != "success" {
		t.Errorf("after Try again: error %v, notice %+v; want the address confirmed", p.err, p.notice)
	}
}

type mountedVerify struct{ *verifyEmailPage }

func (m *mountedVerify) OnPreRender(ctx app.Context) { m.OnMount(ctx) }
