package main

// The load runner: N clients, each with its own keep-alive connection,
// repeat one scenario's request as fast as answers come back (a closed
// loop, like wrk), first for a warm-up that is not counted, then for the
// measured window. Only requests that complete inside the window count,
// so slow argon2-bound requests still in flight at either edge neither
// inflate nor deflate the rate.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// step makes one request of a scenario for one client. It returns a
// non-nil error when the answer was not the expected one.
type step func(c *httpConn) error

// loadConfig is how long to push; how hard is the number of steps.
type loadConfig struct {
	Warmup   time.Duration
	Duration time.Duration
}

// result is one scenario's figures, as printed and as written by -json.
type result struct {
	Scenario     string         `json:"scenario"`
	Title        string         `json:"title"`
	Variant      string         `json:"variant,omitempty"`       // the server it ran on; "" is the default one
	Against      string         `json:"compared_with,omitempty"` // the variant it is compared with; "" is the default server
	Round        int            `json:"round,omitempty"`         // in the runs of the report; 0 in its medians
	Rounds       int            `json:"rounds,omitempty"`        // how many runs a median is of
	Concurrency  int            `json:"concurrency"`
	Seconds      float64        `json:"seconds"`
	Requests     int            `json:"requests"`
	RPS          float64        `json:"requests_per_second"`
	P50ms        float64        `json:"p50_ms"`
	P90ms        float64        `json:"p90_ms"`
	P99ms        float64        `json:"p99_ms"`
	MaxMs        float64        `json:"max_ms"`
	Errors       int            `json:"errors"`
	ErrorKinds   map[string]int `json:"error_kinds,omitempty"`
	ServerCPU    float64        `json:"server_cpu_seconds"`
	ServerCores  float64        `json:"server_cores"` // CPU seconds per second of wall time
	CPUPerReqUs  float64        `json:"server_cpu_us_per_request"`
	GenCPU       float64        `json:"generator_cpu_seconds"`
	OtherCPU     float64        `json:"other_cpu_seconds"` // the rest of the machine's busy time
	PeakRSSBytes int64          `json:"server_peak_rss_bytes"`
	PeakAnonRSS  int64          `json:"server_peak_anon_rss_bytes"` // RssAnon: without the executable's pages
}

// clientStats is what one client saw in the measured window.
type clientStats struct {
	latencies []time.Duration
	errors    map[string]int
}

// phases of a run, read by every client before and after each request.
const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

// runLoad drives a server (or the floor) with one step per client.
func runLoad(ctx context.Context, srv loadTarget, steps []step, cfg loadConfig) (result, error) {
	conns := make([]*httpConn, len(steps))
	for i := range conns {
		conns[i] = newConn(srv.Address())
		if err := conns[i].Dial(); err != nil {
			return result{}, err
		}
		defer conns[i].Close()
	}
	var (
		phase atomic.Int32
		wg    sync.WaitGroup
		stats = make([]clientStats, len(steps))
	)
	for i, st := range steps {
		stats[i] = clientStats{latencies: make([]time.Duration, 0, 4096), errors: map[string]int{}}
		wg.Go(func() {
			s := &stats[i]
			for phase.Load() != phaseStop && ctx.Err() == nil {
				start := time.Now()
				err := st(conns[i])
				took := time.Since(start)
				if phase.Load() != phaseMeasure {
					continue
				}
				s.latencies = append(s.latencies, took)
				if err != nil {
					s.errors[errorKind(err)]++
				}
			}
		})
	}
	sampler := sampleRSS(srv.Pid(), 50*time.Millisecond)
	sleep(ctx, cfg.Warmup)
	cpu0, err1 := cpuTime(srv.Pid())
	gen0, err2 := cpuTime(selfPid)
	busy0, err5 := machineBusy()
	start := time.Now()
	phase.Store(phaseMeasure)
	sleep(ctx, cfg.Duration)
	phase.Store(phaseStop)
	elapsed := time.Since(start)
	cpu1, err3 := cpuTime(srv.Pid())
	gen1, err4 := cpuTime(selfPid)
	busy1, err6 := machineBusy()
	wg.Wait()
	peak, peakAnon := sampler.Stop()
	if err := errors.Join(err1, err2, err3, err4, err5, err6, ctx.Err()); err != nil {
		return result{}, err
	}

	r := result{
		Concurrency: len(steps), Seconds: elapsed.Seconds(), ErrorKinds: map[string]int{},
		ServerCPU: (cpu1 - cpu0).Seconds(), GenCPU: (gen1 - gen0).Seconds(), PeakRSSBytes: peak, PeakAnonRSS: peakAnon,
	}
	r.ServerCores = r.ServerCPU / r.Seconds
	r.OtherCPU = max(0, (busy1-busy0).Seconds()-r.ServerCPU-r.GenCPU)
	var all []time.Duration
	for _, s := range stats {
		all = append(all, s.latencies...)
		for kind, n := range s.errors {
			r.ErrorKinds[kind] += n
			r.Errors += n
		}
	}
	slices.Sort(all)
	r.Requests = len(all)
	r.RPS = float64(len(all)) / elapsed.Seconds()
	if len(all) > 0 {
		r.CPUPerReqUs = r.ServerCPU * 1e6 / float64(len(all))
	}
	r.P50ms, r.P90ms, r.P99ms = percentile(all, 0.50), percentile(all, 0.90), percentile(all, 0.99)
	if len(all) > 0 {
		r.MaxMs = ms(all[len(all)-1])
	}
	return r, nil
}

// percentile returns the nearest-rank percentile of sorted durations, in
// milliseconds.
func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return ms(sorted[max(i, 0)])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// errorKind groups errors for the report: by status and code for wrong
// answers, by type for transport failures.
func errorKind(err error) string {
	var se *statusError
	if errors.As(err, &se) {
		return se.Error()
	}
	return fmt.Sprintf("transport: %v", err)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
