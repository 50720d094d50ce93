package auth

import (
	"context"
	"testing"

	"github.com/authkit/authkit/server/store/storetest"
)

// TestArgon2_SettingsMakeHashesTheirHasherReads: settings stronger than
// OWASP's table (7 MiB with 17 passes) passed CheckOWASP, but every hash
// made with them was refused as malformed by the parser's bounds: no
// account registered afterwards could sign in (the right password was a
// 500), and an unknown email, checked against a dummy hash refused the
// same way, cost no derivation. Settings past the bounds are refused up
// front now, by CheckOWASP and by New; settings within them make hashes
// that verify, the dummy one included.
func TestArgon2_SettingsMakeHashesTheirHasherReads(t *testing.T) {
	ctx := context.Background()
	for _, p := range []Argon2Params{
		{MemoryKiB: 7 * 1024, Time: MaxArgon2Time + 1, Threads: 1},
		{MemoryKiB: MaxArgon2MemoryKiB + 1024, Time: 1, Threads: 1},
	} {
		if err := p.CheckOWASP(); err == nil {
			t.Errorf("CheckOWASP(%+v) = nil, want the bounds' error", p)
		}
		if _, err := New(ctx, storetest.Open(t), Config{Argon2: p}); err == nil {
			t.Errorf("New with Argon2 %+v: no error", p)
		}
	}

	p := Argon2Params{MemoryKiB: 7 * 1024, Time: MaxArgon2Time, Threads: 1}
	if err := p.CheckOWASP(); err != nil {
		t.Fatalf("CheckOWASP(%+v) = %v", p, err)
	}
	h := NewHasher(p)
	hash, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := h.Verify(ctx, "correct horse", hash); !ok || err != nil {
		t.Errorf("Verify(right password, own hash %s) = %v, %v", hash, ok, err)
	}
	before := h.Derivations()
	h.VerifyDummy(ctx, "anything")
	if n := h.Derivations() - before; n != 1 {
		t.Errorf("VerifyDummy ran %d derivations, want 1 (as a real check)", n)
	}
}
