// Package heapfloor keeps Go's garbage collector from running while the
// heap is small.
//
// Go collects when the heap has grown by GOGC percent (100) over what the
// last collection left live, but not before it reaches 4 MB. The server's live
// heap is about 2 MB, so under load it collected some 30 times a second
// (GODEBUG=gctrace=1 on GET /api/me), each time turning on the write
// barrier and marking for a few milliseconds: a cost the bare net/http
// floor of the bench pays with less to mark. Raising GOGC would multiply a
// large heap too (GOGC=400 lets a 1 GB live heap grow to 5 GB); a floor
// only changes the small case. After each collection, Start sets the
// percentage that puts the next one at the floor, or at the usual 100%
// of the live heap once that is the larger. GOMEMLIMIT, when set, still
// caps the heap.
package heapfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// basePercent is Go's default GOGC, which applies above the floor.
const basePercent = 100

// maxPercent bounds the percentage for a nearly empty heap.
const maxPercent = 10_000

// Start keeps the collector's heap goal at floor bytes or more until stop
// is called. Nothing is done, and stop does nothing, when floor is 0.
// The caller leaves GOGC alone when the operator has set it. GOGC belongs
// to the whole process, so one floor at a time: stop puts Go's default
// back, whatever else set it.
func Start(floor uint64) (stop func()) {
	if floor == 0 {
		return func() {}
	}
	t := &tuner{floor: floor, samples: []metrics.Sample{{Name: liveHeap}, {Name: stackScan}, {Name: globalsScan}}}
	t.adjust()
	t.arm()
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.stopped = true
		debug.SetGCPercent(basePercent)
	}
}

// What the runtime's goal is made of (Go 1.21+): the heap the last
// collection left live, and the stacks and globals it scanned.
const (
	liveHeap    = "/gc/heap/live:bytes"
	stackScan   = "/gc/scan/stack:bytes"
	globalsScan = "/gc/scan/globals:bytes"
)

type tuner struct {
	floor uint64

	mu      sync.Mutex // an adjustment and stop do not interleave
	samples []metrics.Sample
	percent int
	stopped bool
}

// sentinel is garbage from birth: its finalizer runs after the next
// collection, adjusts the percentage and makes a new sentinel. It holds a
// pointer so it is not a tiny allocation, whose finalizer may never run.
type sentinel struct{ t *tuner }

func (t *tuner) arm() {
	runtime.SetFinalizer(&sentinel{t}, func(s *sentinel) {
		if s.t.adjust() {
			s.t.arm()
		}
	})
}

// adjust sets the percentage for the heap just measured, unless stopped;
// it reports whether it did.
func (t *tuner) adjust() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	metrics.Read(t.samples)
	live := t.samples[0].Value.Uint64()
	scanned := t.samples[1].Value.Uint64() + t.samples[2].Value.Uint64()
	if p := percentFor(live, scanned, t.floor); p != t.percent {
		t.percent = p
		debug.SetGCPercent(p)
	}
	return true
}

// runtimeMinimum is the runtime's smallest heap goal at GOGC=100; it
// scales with GOGC (runtime/mgcpacer.go's defaultHeapMinimum).
const runtimeMinimum = 4 << 20

// percentFor is the GOGC that puts the next collection at floor, never
// below Go's default. The runtime's goal is the larger of
// live + (live+scanned)×GOGC/100 and runtimeMinimum×GOGC/100, so the
// smaller of the two percentages that make each equal the floor makes
// the goal the floor.
func percentFor(live, scanned, floor uint64) int {
	p := floor * 100 / runtimeMinimum
	if floor > live {
		p = min(p, (floor-live)*100/(live+scanned+1))
	} else {
		p = 0
	}
	// Coarse steps, so a heap that wobbles does not reset it every time.
	p = p / 25 * 25
	return int(min(max(p, basePercent), maxPercent))
}
