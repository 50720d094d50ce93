package cli

import (
	"runtime/metrics"
	"testing"

	"github.com/authkit/authkit/server/store/storetest"
)

// serve sets the garbage collector's percentage for its --heap-floor while
// it runs (the test process's heap is a few MB, far under 64), and puts
// Go's default back when it stops; --heap-floor 0 leaves it alone.
func TestServe_HeapFloor(t *testing.T) {
	_, stop, logs := startServe(t, storetest.DSN(t), "--heap-floor", "64")
	if p := gcPercent(); p <= 100 {
		t.Errorf("serving with --heap-floor 64: GOGC = %d, want above 100\n%s", p, logs.String())
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if p := gcPercent(); p != 100 {
		t.Errorf("after serve: GOGC = %d, want 100", p)
	}

	_, stop, _ = startServe(t, storetest.DSN(t), "--heap-floor", "0")
	defer stop()
	if p := gcPercent(); p != 100 {
		t.Errorf("serving with --heap-floor 0: GOGC = %d, want 100", p)
	}
}

func gcPercent() uint64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
