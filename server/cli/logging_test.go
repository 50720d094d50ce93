package cli

import (
	"strings"
	"testing"
	"time"
)

// TestServeLogger_BatchesInfoButNotWarnings: info lines wait for the
// flush the first of them schedules, logFlushInterval later (or an
// explicit flush); a warning goes out at once, with the lines before it,
// in order. The test holds the scheduled flushes and runs them itself, so
// no timer fires early on a busy machine.
func TestServeLogger_BatchesInfoButNotWarnings(t *testing.T) {
	var out syncBuffer
	log, buf, err := newServeLogger(&out, "json")
	if err != nil {
		t.Fatal(err)
	}
	var scheduled []func()
	buf.after = func(d time.Duration, flush func()) {
		if d != logFlushInterval {
			t.Errorf("a flush scheduled %v later, want %v", d, logFlushInterval)
		}
		scheduled = append(scheduled, flush)
	}
	log.Info("request", "path", "/a")
	if out.String() != "" || len(scheduled) != 1 {
		t.Fatalf("an info line was written at once (%q), or %d flushes were scheduled, want 1", out.String(), len(scheduled))
	}
	log.Warn("database unavailable")
	got := out.String()
	if !strings.Contains(got, `"path":"/a"`) || !strings.Contains(got, "database unavailable") ||
		strings.Index(got, `"path":"/a"`) > strings.Index(got, "database unavailable") {
		t.Fatalf("after a warning the log holds %q", got)
	}
	scheduled[0]() // the first flush finds nothing left to write

	log.With("component", "x").Info("request", "path", "/b")
	if strings.Contains(out.String(), `"path":"/b"`) || len(scheduled) != 2 {
		t.Fatalf("the second info line was written at once, or %d flushes were scheduled, want 2:\n%s", len(scheduled), out.String())
	}
	scheduled[1]()
	if !strings.Contains(out.String(), `"path":"/b"`) {
		t.Fatal("the scheduled flush did not write the info line")
	}
	log.Error("boom")
	buf.Flush()
	if n := strings.Count(out.String(), "\n"); n != 4 {
		t.Errorf("%d lines, want 4:\n%s", n, out.String())
	}
}
