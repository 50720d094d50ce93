package main

// The price of a password check. Login and register are argon2id-bound by
// design (OWASP's minimum: 19 MiB, 2 passes), so their throughput has a
// ceiling of one hash per core per hash-time, whatever else is fast.

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/authkit/authkit/server/auth"
)

// argon2Figure is the measured cost of one hash and the ceiling it sets.
type argon2Figure struct {
	Params        string  `json:"params"`
	HashMs        float64 `json:"hash_ms"`
	PerCore       float64 `json:"logins_per_second_per_core"`
	AllCores      float64 `json:"logins_per_second_all_cores"`
	HasherWorkers int     `json:"hasher_workers"`
}

// measureArgon2 times the server's own hasher, one hash at a time, in this
// process. The first hashes fault fresh pages in; a busy server reuses its
// heap, so those are left out, as BenchmarkHash does.
func measureArgon2() argon2Figure {
	p := auth.DefaultArgon2
	h := auth.NewHasher(p)
	for range 3 {
		h.Hash(context.Background(), benchPassword)
	}
	n := 0
	start := time.Now()
	for ; n < 10 || time.Since(start) < 500*time.Millisecond; n++ {
		h.Hash(context.Background(), benchPassword)
	}
	per := time.Since(start) / time.Duration(n)
	return argon2Figure{
		Params:        fmt.Sprintf("argon2id m=%d KiB, t=%d, p=%d", p.MemoryKiB, p.Time, p.Threads),
		HashMs:        ms(per),
		PerCore:       float64(time.Second) / float64(per),
		AllCores:      float64(runtime.NumCPU()) * float64(time.Second) / float64(per),
		HasherWorkers: runtime.GOMAXPROCS(0),
	}
}
