package cli

import (
	"strings"
	"testing"
	"time"
)

// TestServeLogger_BatchesInfoButNotWarnings: info lines wait for the
// flush interval (or an explicit flush); a warning goes out at once, with
// the lines before it, in order.
func TestServeLogger_BatchesInfoButNotWarnings(t *testing.T) {
	var out syncBuffer
	log, buf, err := newServeLogger(&out, "json")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("request", "path", "/a")
	if out.String() != "" {
		t.Fatalf("an info line was written at once: %s", out.String())
	}
	log.Warn("database unavailable")
	got := out.String()
	if !strings.Contains(got, `"path":"/a"`) || !strings.Contains(got, "database unavailable") ||
		strings.Index(got, `"path":"/a"`) > strings.Index(got, "database unavailable") {
		t.Fatalf("after a warning the log holds %q", got)
	}

	log.With("component", "x").Info("request", "path", "/b")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), `"path":"/b"`) {
		if time.Now().After(deadline) {
			t.Fatal("an info line was never flushed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	log.Error("boom")
	buf.Flush()
	if n := strings.Count(out.String(), "\n"); n != 4 {
		t.Errorf("%d lines, want 4:\n%s", n, out.String())
	}
}
