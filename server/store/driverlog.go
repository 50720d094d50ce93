package store

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun/driver/pgdriver"
)

// driverLog is where the PostgreSQL driver's own messages go (a listener
// connection dropped, a write on a closed connection): by default pgdriver
// prints them as plain lines on stderr, which a reader of the JSON log
// cannot parse. The driver has one logger for the whole process, so the
// last LogDriverTo wins.
var (
	driverLog     atomic.Pointer[slog.Logger]
	driverLogOnce sync.Once
)

// LogDriverTo sends the PostgreSQL driver's messages to log, at WARN.
func LogDriverTo(log *slog.Logger) {
	driverLog.Store(log)
	driverLogOnce.Do(func() { pgdriver.Logger = driverLogger{} })
}

type driverLogger struct{}

func (driverLogger) Printf(ctx context.Context, format string, args ...any) {
	if log := driverLog.Load(); log != nil {
		log.WarnContext(ctx, "database driver", "message", fmt.Sprintf(format, args...))
	}
}
