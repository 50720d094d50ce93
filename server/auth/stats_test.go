package auth

import (
	"context"
	"testing"

	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// TestStats_CountLoginAndRefreshOutcomes: each outcome an operator
// watches moves its own counter, once.
func TestStats_CountLoginAndRefreshOutcomes(t *testing.T) {
	ctx := context.Background()
	svc, err := New(ctx, storetest.Open(t), Config{Argon2: Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}, LoginThrottle: 2})
	if err != nil {
		t.Fatal(err)
	}
	creds := shared.RegisterRequest{Email: "ann@example.com", Password: "correct horse battery", Name: "Ann"}
	if _, _, err := svc.Accounts.Register(ctx, creds, Client{IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	login := func(password string) (Issued, error) {
		_, issued, err := svc.Accounts.Login(ctx, shared.LoginRequest{Email: creds.Email, Password: password}, Client{IP: "192.0.2.1"})
		return issued, err
	}
	issued, err := login(creds.Password)
	if err != nil {
		t.Fatal(err)
	}
	login("wrong password 1")
	login("wrong password 2")
	login("wrong password 3") // throttled: two failures allowed

	if _, _, err := svc.Sessions.Refresh(ctx, issued.Refresh, Client{}); err != nil {
		t.Fatal(err)
	}
	svc.Sessions.RefreshInBrowser(ctx, issued.Refresh, Client{}) // spent a moment ago: raced
	svc.Sessions.Refresh(ctx, issued.Refresh, Client{})          // spent before, no grace: reuse
	svc.Sessions.Refresh(ctx, "no such token", Client{})         // refused
	svc.Sessions.RefreshInBrowser(ctx, "", Client{})             // no refresh cookie: missing, not refused

	want := Stats{
		Logins:    LoginStats{OK: 1, Failed: 2, Throttled: 1},
		Refreshes: RefreshStats{Rotated: 1, Raced: 1, ReuseDetected: 1, Refused: 1, Missing: 1},
	}
	if got := svc.Stats(); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
}
