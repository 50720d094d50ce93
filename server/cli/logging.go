package cli

import (
	"log"
	"log/slog"
)

// slogErrorLog routes net/http's own error messages (TLS handshakes,
// broken connections) into the structured log.
func slogErrorLog(l *slog.Logger) *log.Logger {
	return slog.NewLogLogger(l.Handler(), slog.LevelWarn)
}
