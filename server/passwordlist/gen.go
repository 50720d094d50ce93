//go:build ignore

// gen builds common.rice, the compact form of the common-password list:
//
//	go run gen.go -in 10-million-password-list-top-1000000.txt -n 100000
//
// The input is one password a line, most common first: the top-1M file of
// Mark Burnett's 10-million-password list as published by SecLists
// (Passwords/Common-Credentials). gen keeps the n most common passwords
// that the length rule alone would not refuse (8 to 256 characters; a
// shorter one never reaches the list check), lower-cased and without
// repeats, and writes the set of their values (passwordlist.ValueOf: the
// first 40 bits of each one's SHA-256) as passwordlist.Encode codes it.
package main

import (
	"bufio"
	"flag"
	"log"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/authkit/authkit/server/passwordlist"
)

func main() {
	in := flag.String("in", "", "the source list, most common first")
	n := flag.Int("n", 100_000, "how many passwords to keep")
	out := flag.String("out", "common.rice", "the file to write")
	flag.Parse()

	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	var values []uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(seen) < *n {
		p := strings.ToLower(strings.TrimRight(sc.Text(), "\r"))
		if c := utf8.RuneCountInString(p); c < 8 || c > 256 || !utf8.ValidString(p) || seen[p] {
			continue
		}
		seen[p] = true
		values = append(values, passwordlist.ValueOf(p))
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	slices.Sort(values)
	values = slices.Compact(values)
	if err := os.WriteFile(*out, passwordlist.Encode(values), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %d passwords to %s", len(values), *out)
}
