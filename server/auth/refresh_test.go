package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// TestRefresh_ChangesBetweenTheReadAndTheWritesAreSeen: a refresh reads
// its token before the write transaction, so whatever lands in between
// (a logout, a concurrent refresh, the account's deletion) must be caught
// by the writes themselves, and a refused rotation must write nothing.
func TestRefresh_ChangesBetweenTheReadAndTheWritesAreSeen(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	svc, err := New(ctx, st, Config{Argon2: Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	creds := shared.RegisterRequest{Email: "ann@example.com", Password: "correct horse battery", Name: "Ann"}
	if _, _, err := svc.Accounts.Register(ctx, creds, Client{}); err != nil {
		t.Fatal(err)
	}
	login := func() (Issued, *store.RefreshToken) {
		t.Helper()
		_, issued, err := svc.Accounts.Login(ctx, shared.LoginRequest{Email: creds.Email, Password: creds.Password}, Client{})
		if err != nil {
			t.Fatal(err)
		}
		old, err := st.RefreshTokenForRotation(ctx, hashRefreshToken(issued.Refresh))
		if err != nil {
			t.Fatal(err)
		}
		return issued, old
	}
	rotateAs := func(old *store.RefreshToken, client Client, grace time.Duration) (rotation, error) {
		var r rotation
		err := st.InTx(ctx, func(tx *store.Store) error {
			var err error
			r, err = svc.Sessions.rotate(ctx, tx, old, client, grace)
			return err
		})
		return r, err
	}
	rotate := func(old *store.RefreshToken, grace time.Duration) (rotation, error) {
		return rotateAs(old, Client{}, grace)
	}

	t.Run("logged out", func(t *testing.T) {
		issued, old := login()
		if _, err := st.RevokeSessionByID(ctx, issued.SessionID, svc.Sessions.clock.now()); err != nil {
			t.Fatal(err)
		}
		if _, err := rotate(old, 0); !errors.Is(err, errSessionGone) {
			t.Fatalf("rotating a token read before its session's logout: %v, want errSessionGone", err)
		}
		again, err := st.RefreshTokenForRotation(ctx, old.TokenHash)
		if err != nil || again.UsedAt != nil {
			t.Fatalf("the refused rotation spent the token: %+v, %v", again, err)
		}
		if _, _, err := svc.Sessions.Refresh(ctx, issued.Refresh, Client{}); !errors.Is(err, errSessionEnded) {
			t.Fatalf("refresh after logout: %v", err)
		}
	})

	t.Run("deactivated without a revocation", func(t *testing.T) {
		// As a direct edit of the database would: the sessions stay.
		_, old := login()
		u, err := st.UserByID(ctx, old.Session.UserID)
		if err != nil {
			t.Fatal(err)
		}
		u.IsActive = false
		if err := st.UpdateUser(ctx, u, "is_active"); err != nil {
			t.Fatal(err)
		}
		defer func() {
			u.IsActive = true
			if err := st.UpdateUser(ctx, u, "is_active"); err != nil {
				t.Fatal(err)
			}
		}()
		if _, err := rotate(old, 0); !errors.Is(err, errSessionGone) {
			t.Fatalf("rotating a token of a user deactivated since the read: %v, want errSessionGone", err)
		}
	})

	t.Run("refreshed meanwhile", func(t *testing.T) {
		issued, old := login()
		if _, _, err := svc.Sessions.Refresh(ctx, issued.Refresh, Client{}); err != nil {
			t.Fatal(err)
		}
		// Another tab of the same browser: a race, the session lives.
		if r, err := rotate(old, BrowserRefreshGrace); err != nil || r.refusal != ErrRefreshRaced {
			t.Fatalf("within the grace: %+v, %v; want ErrRefreshRaced", r, err)
		}
		// Without the grace it is a reuse: the session ends.
		if r, err := rotate(old, 0); err != nil || r.reused != issued.SessionID {
			t.Fatalf("without the grace: %+v, %v; want a reuse of %s", r, err, issued.SessionID)
		}
		sess, err := st.SessionByID(ctx, issued.SessionID)
		if err != nil || sess.RevokedAt == nil {
			t.Fatalf("the reused token's session: %+v, %v", sess, err)
		}
	})

	t.Run("refreshed meanwhile by another client", func(t *testing.T) {
		owner := Client{IP: "192.0.2.1", UserAgent: "Firefox"}
		thief := Client{IP: "203.0.113.9", UserAgent: "Firefox"}
		issued, old := login()
		if _, _, err := svc.Sessions.RefreshInBrowser(ctx, issued.Refresh, thief); err != nil {
			t.Fatal(err)
		}
		spent, err := st.RefreshTokenForRotation(ctx, old.TokenHash)
		if err != nil || spent.SpentBy != thief.digest() {
			t.Fatalf("the spent token: %+v, %v; want it spent by the thief", spent, err)
		}
		// The thief's own second tab would race; the owner's cookie, a
		// moment later from elsewhere, is a reuse: the session ends.
		if r, err := rotateAs(spent, thief, BrowserRefreshGrace); err != nil || r.refusal != ErrRefreshRaced {
			t.Fatalf("the spender again within the grace: %+v, %v; want ErrRefreshRaced", r, err)
		}
		if r, err := rotateAs(spent, owner, BrowserRefreshGrace); err != nil || r.reused != issued.SessionID {
			t.Fatalf("another client within the grace: %+v, %v; want a reuse of %s", r, err, issued.SessionID)
		}
		if sess, err := st.SessionByID(ctx, issued.SessionID); err != nil || sess.RevokedAt == nil {
			t.Fatalf("the reused token's session: %+v, %v", sess, err)
		}
	})

	t.Run("spent before the client was kept", func(t *testing.T) {
		issued, old := login()
		if _, _, err := svc.Sessions.Refresh(ctx, issued.Refresh, Client{IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
		spent, err := st.RefreshTokenForRotation(ctx, old.TokenHash)
		if err != nil {
			t.Fatal(err)
		}
		spent.SpentBy = "" // as a row spent by an older version reads
		if r, err := rotateAs(spent, Client{IP: "203.0.113.9"}, BrowserRefreshGrace); err != nil || r.refusal != ErrRefreshRaced {
			t.Fatalf("within the grace: %+v, %v; want ErrRefreshRaced", r, err)
		}
	})

	t.Run("account deleted", func(t *testing.T) {
		_, old := login()
		if err := st.DeleteUser(ctx, old.Session.UserID); err != nil {
			t.Fatal(err)
		}
		if r, err := rotate(old, 0); err != nil || r.refusal != errSessionEnded || r.reused != "" {
			t.Fatalf("rotating a token of a deleted account: %+v, %v; want a refusal, no reuse", r, err)
		}
	})
}
