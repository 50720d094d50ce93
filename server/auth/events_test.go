package auth

import (
	"context"
	"testing"

	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// TestEvents_AnotherInstancesRevocationTakesEffectAtOnce runs two
// instances on one database: the second trusts its session cache until
// the first's event arrives, then asks the database again.
func TestEvents_AnotherInstancesRevocationTakesEffectAtOnce(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	cheap := Config{Argon2: Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}}
	here, err := New(ctx, st, cheap)
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, err := New(ctx, st, cheap)
	if err != nil {
		t.Fatal(err)
	}
	u, issued, err := here.Accounts.Register(ctx, shared.RegisterRequest{
		Email: "ann@example.com", Name: "Ann", Password: "correct horse battery staple",
	}, Client{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := elsewhere.Sessions.Authenticate(ctx, issued.Access) // now cached elsewhere
	if err != nil {
		t.Fatal(err)
	}
	if err := here.Sessions.Logout(ctx, p); err != nil {
		t.Fatal(err)
	}
	elsewhere.Sessions.applyEvent(eventSession + issued.SessionID)
	if _, err := elsewhere.Sessions.Authenticate(ctx, issued.Access); err == nil {
		t.Fatal("the revoked session still authenticates after its event")
	}

	// A user event drops the user's cached account and sessions.
	_, second, err := here.Accounts.Login(ctx, shared.LoginRequest{Email: u.Email, Password: "correct horse battery staple"}, Client{})
	if err != nil {
		t.Fatal(err)
	}
	p, err = elsewhere.Sessions.Authenticate(ctx, second.Access)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := elsewhere.Accounts.User(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := here.Sessions.LogoutAll(ctx, p); err != nil {
		t.Fatal(err)
	}
	elsewhere.Sessions.applyEvent(eventUser + u.ID)
	if _, err := elsewhere.Sessions.Authenticate(ctx, second.Access); err == nil {
		t.Fatal("a session ended by logout-all still authenticates after its event")
	}
}
