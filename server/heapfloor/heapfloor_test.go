package heapfloor

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercentFor(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		live, scanned, floor uint64
		want                 int
	}{
		// The server's case: the runtime's minimum (4 MB per 100%) sets
		// the goal at the floor.
		{2 * mb, mb / 10, 16 * mb, 400},
		// A heap with a goal of its own above the floor keeps 100%.
		{10 * mb, mb, 16 * mb, 100},
		{20 * mb, 0, 16 * mb, 100},
		// Between the two, the live heap's percentage reaches the floor:
		// 6 MB + 6.4 MB × 150% ≈ 15.6 MB (rounded down to a step of 25).
		{6 * mb, mb / 2, 16 * mb, 150},
		// An empty heap.
		{0, 0, 16 * mb, 400},
		// A floor so high the percentage is capped.
		{0, 0, 1 << 40, maxPercent},
	} {
		if got := percentFor(c.live, c.scanned, c.floor); got != c.want {
			t.Errorf("percentFor(%d, %d, %d) = %d, want %d", c.live, c.scanned, c.floor, got, c.want)
		}
	}
}

// The runtime's own heap goal follows: at the floor while the heap is
// small, twice the live heap once that is larger, Go's default after stop.
func TestStartMovesTheRuntimesGoal(t *testing.T) {
	const floor = 32 << 20
	runtime.GC()
	stop := Start(floor)
	defer stop()

	runtime.GC()
	waitFor(t, "the goal to reach the floor", func() bool {
		goal := read("/gc/heap/goal:bytes")
		return goal >= floor*9/10 && goal <= floor*11/10
	})

	big := make([][]byte, 48)
	for i := range big {
		big[i] = make([]byte, 1<<20)
	}
	runtime.GC()
	waitFor(t, "GOGC to be back at 100 above the floor", func() bool {
		return read("/gc/gogc:percent") == 100 && read("/gc/heap/goal:bytes") > 2*48<<20
	})
	runtime.KeepAlive(big)
	big = nil

	runtime.GC()
	waitFor(t, "GOGC to rise again once the heap shrank", func() bool {
		return read("/gc/gogc:percent") > 100
	})
	stop()
	if p := read("/gc/gogc:percent"); p != 100 {
		t.Errorf("after stop, GOGC = %d, want 100", p)
	}
}

func read(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// waitFor polls cond, collecting each time so the finalizer runs again;
// the deadline only bounds a failing test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: GOGC %d, live %d, goal %d", what,
				read("/gc/gogc:percent"), read("/gc/heap/live:bytes"), read("/gc/heap/goal:bytes"))
		}
		time.Sleep(10 * time.Millisecond)
		runtime.GC()
	}
}
