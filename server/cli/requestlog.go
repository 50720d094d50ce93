package cli

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/authkit/authkit/server/httpapi"
)

// requestLines writes the request log's lines to the log buffer as slog's
// text or JSON handler would, byte for byte (requestlog_test.go holds it
// to that), without slog's generic machinery: a record of attributes, a
// pooled buffer, a lock, and a type switch and key escaping per
// attribute. The line is written once per request, and slog's way of
// writing it took a tenth of the server's throughput on GET /api/me.
//
// Only lines whose strings need no quoting or escaping are written here,
// which is every request to a route of the kit; write declines the rest,
// and they go through slog.
type requestLines struct {
	out  *logBuffer
	json bool
}

// The times whose year has four digits in any time zone (a day's margin
// on each side), which slog's handlers write as the format does; others
// go through slog. Comparing seconds is cheaper than working out the
// year, on every request.
var (
	minPlainUnix = time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC).Unix()
	maxPlainUnix = time.Date(9999, 12, 30, 0, 0, 0, 0, time.UTC).Unix()
)

func (l requestLines) write(line httpapi.RequestLine) bool {
	if u := line.Time.Unix(); u < minPlainUnix || u > maxPlainUnix || !plain(line.Method) || !plain(line.Path) || !plain(line.IP) {
		return false
	}
	var stack [256]byte
	b := stack[:0]
	t := line.Time.Round(0) // without the monotonic reading, as slog
	if l.json {
		b = append(b, `{"time":"`...)
		b = t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","level":"`...)
		b = append(b, line.Level.String()...)
		b = append(b, `","msg":"request","method":"`...)
		b = append(b, line.Method...)
		b = append(b, `","path":"`...)
		b = append(b, line.Path...)
		b = append(b, `","status":`...)
		b = strconv.AppendInt(b, int64(line.Status), 10)
		b = append(b, `,"bytes":`...)
		b = strconv.AppendInt(b, int64(line.Bytes), 10)
		b = append(b, `,"latency":`...)
		b = strconv.AppendInt(b, int64(line.Latency), 10)
		b = append(b, `,"ip":"`...)
		b = append(b, line.IP...)
		b = append(b, "\"}\n"...)
	} else {
		b = append(b, "time="...)
		b = t.AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
		b = append(b, " level="...)
		b = append(b, line.Level.String()...)
		b = append(b, " msg=request method="...)
		b = append(b, line.Method...)
		b = append(b, " path="...)
		b = append(b, line.Path...)
		b = append(b, " status="...)
		b = strconv.AppendInt(b, int64(line.Status), 10)
		b = append(b, " bytes="...)
		b = strconv.AppendInt(b, int64(line.Bytes), 10)
		b = append(b, " latency="...)
		b = append(b, line.Latency.String()...)
		b = append(b, " ip="...)
		b = append(b, line.IP...)
		b = append(b, '\n')
	}
	l.out.Write(b) //nolint:errcheck // never fails
	return true
}

// plain reports whether s is written as is by both of slog's handlers:
// not empty, and printable ASCII but for the space, the double quote,
// the backslash and '=' (which the text handler quotes) and '<', '>' and
// '&' (kept out to stay clear of any HTML escaping).
func plain(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		switch b := s[i]; {
		case b <= ' ' || b >= 0x7f, b == '"', b == '\\', b == '=', b == '<', b == '>', b == '&':
			return false
		}
	}
	return true
}

var _ httpapi.RequestLineWriter = serveHandler{}
var _ slog.Handler = serveHandler{}
