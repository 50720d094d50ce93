package passwordlist

import (
	"bytes"
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

func TestList_HasAHundredThousandSortedEntries(t *testing.T) {
	if len(common)%prefixLen != 0 {
		t.Fatalf("common.bin is %d bytes, not a multiple of %d", len(common), prefixLen)
	}
	if Len() < 100_000 {
		t.Fatalf("the list has %d entries, want at least 100,000", Len())
	}
	for i := 1; i < Len(); i++ {
		if bytes.Compare(entry(i-1), entry(i)) >= 0 {
			t.Fatalf("entries %d and %d are out of order: binary search would miss", i-1, i)
		}
	}
}

func BenchmarkContains(b *testing.B) {
	for b.Loop() {
		Contains("tangerine-quarry-41-lantern")
	}
}
