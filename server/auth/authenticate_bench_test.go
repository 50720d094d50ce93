package auth

import (
	"context"
	"testing"

	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// BenchmarkAuthenticate measures the session check of every authenticated
// request with a warm session cache: the access token's signature and
// claims, then the cached liveness of its session, with no database
// query. Compare BenchmarkParseAccessToken, which is the token alone.
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	// Cheap argon2 parameters: hashing is not what is measured here.
	svc, err := New(ctx, storetest.Open(b), Config{Argon2: Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		b.Fatal(err)
	}
	_, issued, err := svc.Accounts.Register(ctx, shared.RegisterRequest{
		Email: "bench@example.com", Name: "Bench", Password: "correct horse battery staple",
	}, Client{IP: "127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Sessions.Authenticate(ctx, issued.Access); err != nil { // the cache is warm from here
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Sessions.Authenticate(ctx, issued.Access); err != nil {
			b.Fatal(err)
		}
	}
}
