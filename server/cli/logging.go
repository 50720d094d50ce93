package cli

import (
	"context"
	"io"
	"log"
	"log/slog"
	"sync"
	"time"

	"github.com/authkit/authkit/server/httpapi"
)

// slogErrorLog routes net/http's own error messages (TLS handshakes,
// broken connections) into the structured log.
func slogErrorLog(l *slog.Logger) *log.Logger {
	return slog.NewLogLogger(l.Handler(), slog.LevelWarn)
}

// logFlushInterval bounds how long a log line waits in logBuffer.
const logFlushInterval = 100 * time.Millisecond

// newServeLogger is the server's log: the --log-format handler writing
// through a logBuffer, with warnings and errors flushed at once. The
// caller flushes the buffer before exiting.
func newServeLogger(w io.Writer, format string) (*slog.Logger, *logBuffer, error) {
	buf := newLogBuffer(w, logFlushInterval)
	l, err := newLogger(buf, format)
	if err != nil {
		return nil, nil, err
	}
	return slog.New(serveHandler{
		flushOnWarn: flushOnWarn{Handler: l.Handler(), flush: buf.Flush},
		lines:       requestLines{out: buf, json: format == "json"},
	}), buf, nil
}

// serveHandler is the server's log handler: flushOnWarn, which also
// writes the request log's lines itself (requestLines). A logger derived
// with attributes or a group (WithAttrs, WithGroup) is a plain flushOnWarn,
// so its lines go through slog with their attributes.
type serveHandler struct {
	flushOnWarn
	lines requestLines
}

func (h serveHandler) WriteRequestLine(line httpapi.RequestLine) bool {
	if !h.lines.write(line) {
		return false
	}
	if line.Level >= slog.LevelWarn {
		h.flush()
	}
	return true
}

// logBuffer batches log lines into one write per logFlushInterval (or
// per 32 KiB). The request log writes a line per request: unbatched, that
// is a write(2) per request, made while slog's handler holds its lock, so
// under load the requests queue on the log. A line waits at most the
// interval; warnings and errors do not wait (flushOnWarn), and serve
// flushes on the way out, so only a crash of the process itself loses
// the last interval's info lines.
type logBuffer struct {
	w     io.Writer
	every time.Duration
	after func(time.Duration, func()) // schedules a flush: time.AfterFunc, or a test's hand

	mu    sync.Mutex // guards buf and armed
	buf   []byte
	spare []byte
	armed bool // a flush is scheduled

	writeMu sync.Mutex // one flush writes at a time, in order
}

const logBufferSize = 32 << 10

func newLogBuffer(w io.Writer, every time.Duration) *logBuffer {
	return &logBuffer{w: w, every: every, after: afterFunc, buf: make([]byte, 0, logBufferSize), spare: make([]byte, 0, logBufferSize)}
}

func afterFunc(d time.Duration, f func()) { time.AfterFunc(d, f) }

// Write keeps p (one whole log line, as slog writes them) for the next
// flush.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	b.buf = append(b.buf, p...)
	full := len(b.buf) >= logBufferSize
	if !full && !b.armed {
		b.armed = true
		b.after(b.every, b.Flush)
	}
	b.mu.Unlock()
	if full {
		b.Flush()
	}
	return len(p), nil
}

// Flush writes out every line buffered so far.
func (b *logBuffer) Flush() {
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	b.mu.Lock()
	out := b.buf
	b.buf, b.spare = b.spare[:0], nil
	b.armed = false
	b.mu.Unlock()
	if len(out) > 0 {
		b.w.Write(out) //nolint:errcheck // nowhere to report a failing log
	}
	b.mu.Lock()
	b.spare = out[:0]
	b.mu.Unlock()
}

// flushOnWarn flushes the log buffer after every record at level WARN or
// above, so problems show at once.
type flushOnWarn struct {
	slog.Handler
	flush func()
}

func (h flushOnWarn) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.flush()
	}
	return err
}

func (h flushOnWarn) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushOnWarn{Handler: h.Handler.WithAttrs(attrs), flush: h.flush}
}

func (h flushOnWarn) WithGroup(name string) slog.Handler {
	return flushOnWarn{Handler: h.Handler.WithGroup(name), flush: h.flush}
}
