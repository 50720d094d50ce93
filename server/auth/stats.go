package auth

import "sync/atomic"

// Stats counts the outcomes operators watch, since the process started:
// package metrics exports them for Prometheus. Counting costs an atomic
// add on the paths concerned; reading is a few loads.
type Stats struct {
	Logins    LoginStats
	Refreshes RefreshStats
}

// LoginStats are password checks (Login, CheckPassword) by outcome.
// Requests that fail validation are not counted.
type LoginStats struct {
	OK        uint64
	Failed    uint64 // invalid_credentials: unknown email, wrong password, inactive account
	Throttled uint64 // rate_limited before any check
}

// RefreshStats are refreshes by outcome: what the token presented
// turned out to be, or that there was none (Missing).
type RefreshStats struct {
	Rotated       uint64 // spent and replaced
	Raced         uint64 // spent moments ago by another tab (RefreshInBrowser's grace)
	ReuseDetected uint64 // spent before: the session was revoked
	Refused       uint64 // unknown, expired, or of an ended session or inactive user
	// Missing counts refreshes with no token at all: a browser without a
	// refresh cookie (logged out, or its cookie expired), which is no
	// sign of a bad or stolen token, so it stays out of Refused.
	Missing uint64
}

// stats are the live counters behind Stats, shared by the service's parts.
type stats struct {
	loginOK, loginFailed, loginThrottled                        atomic.Uint64
	refreshRotated, refreshRaced, refreshReused, refreshRefused atomic.Uint64
	refreshMissing                                              atomic.Uint64
}

// Stats returns the counts so far.
func (s *Service) Stats() Stats {
	c := s.stats
	return Stats{
		Logins: LoginStats{OK: c.loginOK.Load(), Failed: c.loginFailed.Load(), Throttled: c.loginThrottled.Load()},
		Refreshes: RefreshStats{
			Rotated: c.refreshRotated.Load(), Raced: c.refreshRaced.Load(),
			ReuseDetected: c.refreshReused.Load(), Refused: c.refreshRefused.Load(),
			Missing: c.refreshMissing.Load(),
		},
	}
}
