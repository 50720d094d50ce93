package auth

import (
	"context"
	"testing"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// TestEvents_AnotherInstancesRevocationTakesEffectAtOnce runs two
// instances on one database: the second trusts its session cache until
// the first's event arrives, then asks the database again.
func TestEvents_AnotherInstancesRevocationTakesEffectAtOnce(t *testing.T) {
	ctx := context.Background()
	_, here, elsewhere := twoInstances(t)
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

// TestEvents_AChangeDuringACacheReadIsNotUndone: another instance's
// revocation (or demotion) that commits, and whose event arrives, while
// this instance is between reading a session (or an account) and caching
// it must not leave the copy read before it in the cache for
// SessionCacheTTL: the next request asks the database again.
func TestEvents_AChangeDuringACacheReadIsNotUndone(t *testing.T) {
	ctx := context.Background()
	st, here, elsewhere := twoInstances(t)
	// during runs change once, at the first read of step on elsewhere.
	during := func(step string, change func()) {
		done := false
		onChecked(t, func(s string) {
			if s == step && !done {
				done = true
				change()
			}
		})
	}

	t.Run("a session revoked", func(t *testing.T) {
		_, issued, err := here.Accounts.Register(ctx, shared.RegisterRequest{
			Email: "ann@example.com", Name: "Ann", Password: "correct horse battery staple",
		}, Client{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := here.Sessions.Authenticate(ctx, issued.Access)
		if err != nil {
			t.Fatal(err)
		}
		during("session-read", func() {
			if err := here.Sessions.Logout(ctx, p); err != nil {
				t.Error(err)
			}
			elsewhere.Sessions.applyEvent(eventSession + p.SessionID) // its NOTIFY arrives
		})
		// Checked before the logout: this request may pass.
		if _, err := elsewhere.Sessions.Authenticate(ctx, issued.Access); err != nil {
			t.Fatal(err)
		}
		if _, err := elsewhere.Sessions.Authenticate(ctx, issued.Access); err == nil {
			t.Fatal("the session read before its revocation stays cached as live after the revocation's event")
		}
	})

	t.Run("a staff member demoted", func(t *testing.T) {
		root, err := here.Accounts.CreateSuperuser(ctx, "root@example.com", "Root", "correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		p := Principal{UserID: root.ID}
		during("user-read", func() {
			root.IsStaff, root.IsSuperuser = false, false
			if err := st.UpdateUser(ctx, root, "is_staff", "is_superuser"); err != nil {
				t.Error(err)
			}
			elsewhere.Sessions.applyEvent(eventUser + root.ID)
		})
		if _, err := elsewhere.Admin.RequireStaff(ctx, p); err != nil {
			t.Fatal(err) // read before the demotion
		}
		if _, err := elsewhere.Admin.RequireStaff(ctx, p); err == nil {
			t.Fatal("the account read before its demotion stays cached as staff after the demotion's event")
		}
	})
}

// twoInstances opens a database and starts two services on it, as two
// server instances would, with cheap password hashing.
func twoInstances(t *testing.T) (st *store.Store, here, elsewhere *Service) {
	t.Helper()
	st = storetest.Open(t)
	cheap := Config{Argon2: Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}}
	for _, s := range []**Service{&here, &elsewhere} {
		var err error
		if *s, err = New(context.Background(), st, cheap); err != nil {
			t.Fatal(err)
		}
	}
	return st, here, elsewhere
}
