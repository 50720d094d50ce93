// Package passwordlist knows the 100,000 most common passwords long
// enough to pass the length rule, for refusing them as new passwords
// (NIST SP 800-63B §5.1.1.2: check new passwords against lists of
// commonly used or compromised values).
//
// Each password is kept as the first 40 bits of its lower-cased SHA-256.
// Two passwords share those bits with odds of about one in ten million per
// check, a false refusal rare enough to ignore (the user picks another
// password). The sorted values ship inside the binary as a Golomb-Rice
// coded set (common.rice, made by gen.go): each value as its gap from the
// one before, the gap's low bits as they are (23 for this list, about the
// mean gap's size) and the rest in unary, about 25 bits a password where
// the values themselves take 40: 310 KB instead of 500. The first lookup decodes the set once to index every
// 256th value (9 KB); a lookup then decodes one such block at most.
// The browser app does not carry this list; it checks the short one in
// shared/ and the server has the last word.
package passwordlist

import (
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"math/bits"
	"sort"
	"strings"
	"sync"
)

const (
	valueBits = 40  // bits of SHA-256 kept per password
	blockLen  = 256 // values between two index entries
)

// common is the set: the number of values (4 bytes, big-endian), the
// number of a gap's low bits written as they are (1 byte), then the
// Rice-coded gaps, most significant bit first.
//
//go:embed common.rice
var common []byte

// Len is the number of passwords on the list.
func Len() int { return size(common) }

// Contains reports whether password, compared case-insensitively, is on
// the list.
func Contains(password string) bool { return contains(common, index(), ValueOf(password)) }

// ValueOf is the value a password is kept as: the first valueBits of the
// SHA-256 of its lower-cased form (gen.go keeps the list's the same way).
func ValueOf(password string) uint64 {
	sum := sha256.Sum256([]byte(strings.ToLower(password)))
	return binary.BigEndian.Uint64(sum[:8]) >> (64 - valueBits)
}

// index is the list's index, made at the first lookup.
var index = sync.OnceValue(func() []block { return indexOf(common) })

// block is an index entry: where the block's first value is coded, the
// value before it (the base of its gap) and the first value itself.
type block struct {
	bit           uint64
	before, first uint64
}

// indexOf decodes a whole set, keeping every blockLen-th value.
func indexOf(set []byte) []block {
	r := newReader(set)
	var blocks []block
	var v uint64
	for n := range size(set) {
		at, before := r.bit, v
		v += r.gap()
		if n%blockLen == 0 {
			blocks = append(blocks, block{bit: at, before: before, first: v})
		}
	}
	return blocks
}

// contains looks key up in set, decoding the one block that may hold it.
func contains(set []byte, blocks []block, key uint64) bool {
	// The last block starting at or below key holds it, if any does.
	i := sort.Search(len(blocks), func(i int) bool { return blocks[i].first > key }) - 1
	if i < 0 {
		return false
	}
	r := newReader(set)
	r.bit = blocks[i].bit
	v := blocks[i].before
	for n := i * blockLen; n < min(size(set), (i+1)*blockLen); n++ {
		v += r.gap()
		if v >= key {
			return v == key
		}
	}
	return false
}

// size is the number of values in a set.
func size(set []byte) int { return int(binary.BigEndian.Uint32(set)) }

// reader reads a set's Rice-coded gaps.
type reader struct {
	data []byte
	k    int    // a gap's low bits, written as they are
	bit  uint64 // the next bit to read
}

func newReader(set []byte) reader { return reader{data: set[5:], k: int(set[4])} }

func (r *reader) next() uint64 {
	b := r.data[r.bit/8] >> (7 - r.bit%8) & 1
	r.bit++
	return uint64(b)
}

// gap reads one gap: the quotient in unary (ones ended by a zero), then
// k bits of remainder.
func (r *reader) gap() uint64 {
	var q uint64
	for r.next() == 1 {
		q++
	}
	rem := uint64(0)
	for range r.k {
		rem = rem<<1 | r.next()
	}
	return q<<r.k | rem
}

// Encode writes sorted, distinct values (each below 2^40) as the set
// Contains reads: what gen.go writes to common.rice. A gap's low bits
// written as they are number about the mean gap's, which keeps the unary
// rest to a bit or two.
func Encode(values []uint64) []byte {
	k := 0
	if len(values) > 0 {
		k = bits.Len64(values[len(values)-1]/uint64(len(values))) - 1
		k = max(k, 0)
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(len(values)))
	out = append(out, byte(k))
	w := writer{}
	var prev uint64
	for _, v := range values {
		gap := v - prev
		prev = v
		for range gap >> k {
			w.put(1)
		}
		w.put(0)
		for i := k - 1; i >= 0; i-- {
			w.put(gap >> i & 1)
		}
	}
	return append(out, w.data...)
}

// writer writes a bit stream, most significant bit first.
type writer struct {
	data []byte
	n    uint64 // bits written
}

func (w *writer) put(bit uint64) {
	if w.n%8 == 0 {
		w.data = append(w.data, 0)
	}
	w.data[len(w.data)-1] |= byte(bit) << (7 - w.n%8)
	w.n++
}
