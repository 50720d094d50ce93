package passwordlist

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestContains_RefusesCommonPasswordsTheShortListMissed(t *testing.T) {
	// Each of these passed the 2,086-entry list the kit shipped before.
	for _, p := range []string{"password123", "qwerty123456", "princess1", "monkey123", "PassWord123"} {
		if !Contains(p) {
			t.Errorf("Contains(%q) = false, want true", p)
		}
	}
}

func TestContains_AcceptsUncommonPasswords(t *testing.T) {
	for _, p := range []string{"correct horse battery", "tangerine-quarry-41-lantern", "Zx8!vQ2#mL0p"} {
		if Contains(p) {
			t.Errorf("Contains(%q) = true, want false", p)
		}
	}
}

// The shipped set decodes to a hundred thousand distinct values in
// order, filling the index's blocks.
func TestList_HasAHundredThousandValuesInOrder(t *testing.T) {
	if Len() < 100_000 {
		t.Fatalf("the list has %d values, want at least 100,000", Len())
	}
	r := newReader(common)
	for n := range Len() {
		if gap := r.gap(); gap == 0 && n > 0 {
			t.Fatalf("value %d repeats the one before", n)
		}
	}
	if left := uint64(len(r.data))*8 - r.bit; left >= 8 {
		t.Fatalf("%d bits left after the last value: the count is wrong", left)
	}
	if got, want := len(index()), (Len()+blockLen-1)/blockLen; got != want {
		t.Fatalf("%d index entries, want %d", got, want)
	}
}

// A set finds exactly its own values: the first and last of each block,
// values next to one another, gaps far beyond one unary step, 0 and the
// largest value, and nothing between them.
func TestEncode_ASetFindsExactlyItsValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[uint64]bool{0: true, 1: true, 2: true, 1<<valueBits - 1: true, 1 << 39: true}
	for len(want) < 5*blockLen+17 {
		want[rng.Uint64N(1<<valueBits)] = true
	}
	values := slices.Sorted(func(yield func(uint64) bool) {
		for v := range want {
			if !yield(v) {
				return
			}
		}
	})
	set := Encode(values)
	blocks := indexOf(set)
	if size(set) != len(values) || len(blocks) != 6 {
		t.Fatalf("%d values in %d blocks", size(set), len(blocks))
	}
	for i, v := range values {
		if !contains(set, blocks, v) {
			t.Fatalf("value %d (%d) not found", i, v)
		}
		for _, near := range []uint64{v - 1, v + 1} {
			if near < 1<<valueBits && contains(set, blocks, near) != want[near] {
				t.Fatalf("%d, next to value %d, found: %v", near, i, !want[near])
			}
		}
	}
	for range 10_000 {
		v := rng.Uint64N(1 << valueBits)
		if contains(set, blocks, v) != want[v] {
			t.Fatalf("%d: found %v", v, !want[v])
		}
	}
}

func BenchmarkContains(b *testing.B) {
	index()
	for b.Loop() {
		Contains("tangerine-quarry-41-lantern")
	}
}
