package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

func TestClient_CurrentUserAsksOnceUntilTheSessionChanges(t *testing.T) {
	f, c := newFakeAPI(t)
	ctx := context.Background()

	for range 3 {
		if user, err := c.CurrentUser(ctx); err != nil || user.Name != "Ann" {
			t.Fatalf("CurrentUser = %+v, %v", user, err)
		}
	}
	if got := f.meCalls.Load(); got != 1 {
		t.Errorf("GET /api/me calls for three navigations = %d, want 1", got)
	}

	// A logout forgets the user, whatever the server answers.
	_ = c.Logout(ctx)
	if _, err := c.CurrentUser(ctx); err != nil {
		t.Fatalf("CurrentUser after logout: %v", err)
	}
	if got := f.meCalls.Load(); got != 2 {
		t.Errorf("GET /api/me calls after a logout = %d, want 2", got)
	}

	// So does any answer saying the session is over.
	f.mu.Lock()
	f.access, f.refresh = "expired-forever", "spent-elsewhere"
	f.mu.Unlock()
	if _, err := c.Me(ctx); !isSignedOut(err) {
		t.Fatalf("Me with an ended session: %v, want the session over", err)
	}
	before := f.meCalls.Load()
	if _, err := c.CurrentUser(ctx); !isSignedOut(err) {
		t.Errorf("CurrentUser after the session ended: %v, want the session over", err)
	}
	if f.meCalls.Load() == before {
		t.Errorf("CurrentUser answered from memory after the session ended")
	}
}

// TestLogin_SaysWhyWhenASessionEndedInUse: a page whose session ends
// under it (a call answers not_authenticated and no refresh cures it)
// sends the visitor to the login form, which says why it asks, once. A
// visitor who was never signed in, or who logged out, is told nothing,
// nor is one whose mailed link was used already (invalid_token, which
// says nothing of the session).
func TestLogin_SaysWhyWhenASessionEndedInUse(t *testing.T) {
	var signedIn bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/auth/confirm-email-change":
			writeError(w, shared.CodeInvalidToken, "This link is invalid or has expired. Ask for a new one.", nil)
		case r.URL.Path == "/api/auth/logout":
			w.WriteHeader(http.StatusNoContent)
		case signedIn && r.URL.Path == "/api/me":
			writeJSON(w, http.StatusOK, shared.UserResponse{User: shared.User{ID: "u1", Name: "Ann"}})
		default:
			writeError(w, shared.CodeNotAuthenticated, "Your session has ended. Please log in again.", nil)
		}
	}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	c := NewClient(srv.URL, HTTPSender(srv.Client()), func() string { return "" })
	notice := func() string {
		p := newLoginPage(c)
		p.sayWhySignedOut()
		return noticeText(app.HTMLString(p.Render()), "login-notice")
	}
	const why = "Your session has ended. Log in again to carry on where you left off."

	if _, err := c.CurrentUser(ctx); !isSignedOut(err) {
		t.Fatalf("a visitor: %v", err)
	}
	if got := notice(); got != "" {
		t.Errorf("a visitor who was never signed in is told %q", got)
	}

	signedIn = true
	if _, err := c.CurrentUser(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctx, http.MethodPost, "/api/auth/confirm-email-change", struct{}{}, nil); !HasCode(err, shared.CodeInvalidToken) {
		t.Fatalf("a used link: %v", err)
	}
	if got := notice(); got != "" {
		t.Errorf("after a used link the login form says %q", got)
	}

	if _, err := c.Sessions(ctx); !isSignedOut(err) {
		t.Fatalf("the session ended: %v", err)
	}
	if got := notice(); got != why {
		t.Errorf("after the session ended in use, the login form says %q, want %q", got, why)
	}
	if got := notice(); got != "" {
		t.Errorf("the second time, the login form says %q", got)
	}

	if _, err := c.CurrentUser(ctx); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Sessions(ctx)
	if err := c.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if got := notice(); strings.Contains(got, "ended") {
		t.Errorf("after a logout, the login form says %q", got)
	}
}
