// Package passwordlist knows the 100,000 most common passwords long
// enough to pass the length rule, for refusing them as new passwords
// (NIST SP 800-63B §5.1.1.2: check new passwords against lists of
// commonly used or compromised values).
//
// The list ships inside the binary as the sorted first 5 bytes of each
// lower-cased password's SHA-256 (common.bin, 500 KB, made by gen.go). A
// lookup is a binary search in that read-only data: no start-up work, no
// heap. Two passwords share a 40-bit prefix with odds of about one in ten
// million per check, a false refusal rare enough to ignore (the user picks
// another password). The browser app does not carry this list; it checks
// the short one in shared/ and the server has the last word.
package passwordlist

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"sort"
	"strings"
)

const prefixLen = 5 // bytes of SHA-256 kept per password; gen.go writes them

//go:embed common.bin
var common []byte

// Len is the number of passwords on the list.
func Len() int { return len(common) / prefixLen }

// Contains reports whether password, compared case-insensitively, is on
// the list.
func Contains(password string) bool {
	sum := sha256.Sum256([]byte(strings.ToLower(password)))
	key := sum[:prefixLen]
	n := Len()
	i := sort.Search(n, func(i int) bool { return bytes.Compare(entry(i), key) >= 0 })
	return i < n && bytes.Equal(entry(i), key)
}

func entry(i int) []byte { return common[i*prefixLen : (i+1)*prefixLen] }
