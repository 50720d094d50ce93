package app

import (
	"context"
	"testing"
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
