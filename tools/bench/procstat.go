package main

// The per-scenario memory peak, sampled with memory (procstat_linux.go).

import (
	"sync"
	"time"
)

// rssSampler polls a process's VmRSS and keeps the largest value seen, so
// each scenario gets its own peak (VmHWM only knows the process's), and
// the largest RssAnon, the process's own memory without the executable's
// pages.
type rssSampler struct {
	mu       sync.Mutex
	peak     int64
	peakAnon int64
	stop     chan struct{}
	done     chan struct{}
}

func sampleRSS(pid int, every time.Duration) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if m, err := memoryOf(pid); err == nil {
				s.mu.Lock()
				s.peak = max(s.peak, m.rss)
				s.peakAnon = max(s.peakAnon, m.anon)
				s.mu.Unlock()
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends the sampling and returns the peaks in bytes.
func (s *rssSampler) Stop() (rss, anon int64) {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak, s.peakAnon
}
