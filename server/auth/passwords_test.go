package auth

import (
	"context"
	"strings"
	"testing"
)

func TestHasher_HashCarriesOWASPParametersAndVerifies(t *testing.T) {
	h := NewHasher(DefaultArgon2)
	ctx := context.Background()
	hash, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=7168,t=5,p=1$") {
		t.Fatalf("hash = %s", hash)
	}
	if ok, rehash, err := h.Verify(ctx, "correct horse", hash); !ok || rehash || err != nil {
		t.Fatalf("Verify(right) = %v, %v, %v", ok, rehash, err)
	}
	if ok, _, err := h.Verify(ctx, "correct horsE", hash); ok || err != nil {
		t.Fatalf("Verify(wrong) = %v, %v", ok, err)
	}
	again, _ := h.Hash(ctx, "correct horse")
	if again == hash {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
}

func TestHasher_OldParametersStillVerifyAndAskForRehash(t *testing.T) {
	ctx := context.Background()
	old := NewHasher(Argon2Params{MemoryKiB: 8 * 1024, Time: 1, Threads: 1})
	hash, _ := old.Hash(ctx, "correct horse")
	ok, rehash, err := NewHasher(DefaultArgon2).Verify(ctx, "correct horse", hash)
	if !ok || !rehash || err != nil {
		t.Fatalf("Verify = %v, %v, %v", ok, rehash, err)
	}
}

func TestHasher_MalformedHashesAreErrors(t *testing.T) {
	h := NewHasher(DefaultArgon2)
	for _, bad := range []string{
		"plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$",
	} {
		if ok, _, err := h.Verify(context.Background(), "x", bad); ok || err == nil {
			t.Errorf("Verify(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

// TestHasher_NoPasswordMatchesNothingAfterTheSameWork: an account made by
// signing in with a provider has no password; checking one against it
// fails, with no error, after one derivation like any wrong password, so
// neither the answer nor its timing sets such accounts apart.
func TestHasher_NoPasswordMatchesNothingAfterTheSameWork(t *testing.T) {
	h := NewHasher(DefaultArgon2)
	for _, password := range []string{"", "x", "correct horse battery staple"} {
		before := h.Derivations()
		ok, rehash, err := h.Verify(context.Background(), password, NoPassword)
		if ok || rehash || err != nil {
			t.Errorf("Verify(%q, NoPassword) = %v, %v, %v", password, ok, rehash, err)
		}
		if n := h.Derivations() - before; n != 1 {
			t.Errorf("Verify(%q, NoPassword) ran %d derivations, want 1", password, n)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	h := NewHasher(DefaultArgon2)
	for b.Loop() {
		h.Hash(context.Background(), "correct horse battery staple")
	}
}

func TestHasher_CountsEveryDerivation(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1})
	if n := h.Derivations(); n != 1 {
		t.Fatalf("after NewHasher: %d derivations, want 1 (the dummy hash)", n)
	}
	hash, _ := h.Hash(ctx, "correct horse")
	h.Verify(ctx, "correct horse", hash)
	h.VerifyDummy(ctx, "anything")
	h.Verify(ctx, "x", "malformed") // refused before any hashing
	if n := h.Derivations(); n != 4 {
		t.Fatalf("%d derivations, want 4", n)
	}
}

func TestArgon2Params_CheckOWASPFollowsTheTable(t *testing.T) {
	const MiB = 1024
	ok := []Argon2Params{DefaultArgon2, {46 * MiB, 1, 1}, {19 * MiB, 2, 1}, {12 * MiB, 3, 1}, {9 * MiB, 4, 1}, {7 * MiB, 8, 1}, {64 * MiB, 3, 1}}
	weak := []Argon2Params{{45 * MiB, 1, 1}, {18 * MiB, 2, 1}, {11 * MiB, 3, 1}, {8 * MiB, 4, 1}, {6 * MiB, 5, 1}, {6 * MiB, 16, 1}, {19 * MiB, 0, 1}}
	for _, p := range ok {
		if err := p.CheckOWASP(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
	for _, p := range weak {
		if p.CheckOWASP() == nil {
			t.Errorf("%+v passed, but it is below the OWASP table", p)
		}
	}
}

func TestHasher_TodaysDefaultUpgradesTheEarlier19MiBHashes(t *testing.T) {
	ctx := context.Background()
	earlier := NewHasher(Argon2Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}) // the kit's default until 2026-12
	hash, err := earlier.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	ok, rehash, err := NewHasher(DefaultArgon2).Verify(ctx, "correct horse", hash)
	if !ok || !rehash || err != nil {
		t.Fatalf("Verify = %v, %v, %v; want a match that asks for a rehash", ok, rehash, err)
	}
}
