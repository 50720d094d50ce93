package signing

import (
	"crypto/subtle"
	"math/rand/v2"
	"testing"
)

// sameToken answers as crypto/subtle.ConstantTimeCompare: for every length
// around the word size, for equal strings, and for a difference at every
// position (in the word loop and in the tail).
func TestSameTokenAgreesWithConstantTimeCompare(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 41 {
		a := make([]byte, n)
		for i := range a {
			a[i] = byte(rng.IntN(256))
		}
		check := func(b []byte) {
			t.Helper()
			want := subtle.ConstantTimeCompare(a, b) == 1
			if got := sameToken(string(a), string(b)); got != want {
				t.Fatalf("sameToken(%x, %x) = %v, want %v", a, b, got, want)
			}
		}
		check(append([]byte(nil), a...))
		check(append(append([]byte(nil), a...), 'x'))
		if n > 0 {
			check(a[:n-1])
		}
		for i := range n {
			for _, bit := range []byte{0x01, 0x80} {
				b := append([]byte(nil), a...)
				b[i] ^= bit
				check(b)
			}
		}
	}
}
