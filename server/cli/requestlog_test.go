package cli

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/authkit/authkit/server/httpapi"
)

// The request lines written without slog are the lines slog writes, in
// both formats, and the lines they cannot write as is are declined.
func TestRequestLines_AreSlogsLines(t *testing.T) {
	zone := time.FixedZone("", -(3*3600 + 30*60))
	base := httpapi.RequestLine{
		Time: time.Date(2026, 12, 1, 9, 26, 7, 213421000, time.UTC), Level: slog.LevelInfo,
		Method: "GET", Path: "/api/me", Status: 200, Bytes: 317, Latency: 48342666 * time.Nanosecond, IP: "127.0.0.1",
	}
	variants := []func(*httpapi.RequestLine){
		func(*httpapi.RequestLine) {},
		func(l *httpapi.RequestLine) { l.Time = time.Now() }, // with a monotonic reading
		func(l *httpapi.RequestLine) { l.Time = time.Date(2026, 1, 2, 3, 4, 5, 0, zone) },
		func(l *httpapi.RequestLine) { l.Time = time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.UTC) },
		func(l *httpapi.RequestLine) {
			l.Time = time.Date(9999, 12, 29, 23, 0, 0, 0, time.FixedZone("", 14*3600))
		},
		func(l *httpapi.RequestLine) { l.Time = time.Date(1, 1, 3, 1, 0, 0, 0, time.FixedZone("", -12*3600)) },
		func(l *httpapi.RequestLine) { l.Level, l.Status = slog.LevelError, 503 },
		func(l *httpapi.RequestLine) { l.Latency, l.Bytes = 0, 0 },
		func(l *httpapi.RequestLine) { l.Latency = 2*time.Second + time.Nanosecond },
		func(l *httpapi.RequestLine) { l.IP = "::1" },
		func(l *httpapi.RequestLine) { l.Method, l.Path = "DELETE", "/api/me/passkeys/01a2-b3~c_d.e" },
	}
	declined := []func(*httpapi.RequestLine){
		func(l *httpapi.RequestLine) { l.Path = "/a b" },
		func(l *httpapi.RequestLine) { l.Path = `/a"b` },
		func(l *httpapi.RequestLine) { l.Path = `/a\b` },
		func(l *httpapi.RequestLine) { l.Path = "/a=b" },
		func(l *httpapi.RequestLine) { l.Path = "/caf\u00e9" },
		func(l *httpapi.RequestLine) { l.Path = "/\x00" },
		func(l *httpapi.RequestLine) { l.Path = "/<script>" },
		func(l *httpapi.RequestLine) { l.Path = "" },
		func(l *httpapi.RequestLine) { l.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		// Year 10000 where it is written, though 9999 in UTC.
		func(l *httpapi.RequestLine) { l.Time = time.Date(10000, 1, 1, 5, 0, 0, 0, time.FixedZone("", 12*3600)) },
		func(l *httpapi.RequestLine) { l.Time = time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC) },
	}
	for _, format := range []string{"json", "text"} {
		for i, vary := range append(variants, declined...) {
			line := base
			vary(&line)

			var want bytes.Buffer
			logger, err := newLogger(&want, format)
			if err != nil {
				t.Fatal(err)
			}
			logger.Handler().Handle(context.Background(), line.Record())

			var got syncBuffer
			out := newLogBuffer(&got, time.Hour)
			wrote := requestLines{out: out, json: format == "json"}.write(line)
			out.Flush()

			switch {
			case i < len(variants) && !wrote:
				t.Errorf("%s, line %d (%q): declined", format, i, line.Path)
			case i < len(variants) && got.String() != want.String():
				t.Errorf("%s, line %d:\n got %s\nwant %s", format, i, got.String(), want.String())
			case i >= len(variants) && (wrote || got.String() != ""):
				t.Errorf("%s, line %d (%q): written, want declined", format, i, line.Path)
			}
		}
	}
}

// The server's logger takes the request lines, and a logger derived from
// it with attributes does not, so its lines keep them.
func TestServeLogger_WritesRequestLinesUnlessDerived(t *testing.T) {
	var out syncBuffer
	log, buf, err := newServeLogger(&out, "json")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := log.Handler().(httpapi.RequestLineWriter); !ok {
		t.Fatal("the server's log handler does not write request lines")
	}
	if _, ok := log.With("component", "x").Handler().(httpapi.RequestLineWriter); ok {
		t.Error("a derived handler writes request lines, without its attributes")
	}
	line := httpapi.RequestLine{Time: time.Now(), Level: slog.LevelError, Method: "GET", Path: "/api/me", Status: 500, IP: "127.0.0.1"}
	if !log.Handler().(httpapi.RequestLineWriter).WriteRequestLine(line) {
		t.Fatal("declined a plain line")
	}
	if out.String() == "" {
		t.Error("an error line waited for the flush")
	}
	buf.Flush()
}
