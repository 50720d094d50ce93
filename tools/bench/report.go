package main

// The printed table and the -json document, with the targets of the
// performance issue checked against the figures.

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// report is everything one run measured.
type report struct {
	Concurrency     int             `json:"concurrency"`
	Duration        string          `json:"duration_per_scenario"`
	Cores           int             `json:"cores"`
	Binary          string          `json:"binary"`
	ServerEnv       []string        `json:"server_env,omitempty"`
	Argon2          argon2Figure    `json:"argon2"`
	Rounds          int             `json:"rounds"`
	Results         []result        `json:"results"` // the median of the rounds, per scenario and server
	Runs            []result        `json:"runs"`    // every round's figures
	Ratios          []ratio         `json:"ratios"`
	ServerCPUTotal  float64         `json:"server_cpu_seconds_total"`
	ServerPeakRSS   int64           `json:"server_peak_rss_bytes"` // VmHWM over the whole run
	ServerLogErrors int             `json:"server_log_errors"`
	ServerPanics    int             `json:"server_panics"`
	Frontend        frontendFigures `json:"frontend"`
	Targets         []targetCheck   `json:"targets"`
}

// targetCheck is one target of the issue and whether this run met it.
type targetCheck struct {
	Target string `json:"target"`
	Got    string `json:"got"`
	Met    bool   `json:"met"`
}

// Targets of the issue, for a 2-core machine with the generator on it.
const (
	targetMeRPS      = 10_000
	targetMeP99ms    = 10
	targetRefreshRPS = 2_000
	targetRSSBytes   = 64 << 20
	targetClients    = 32
	// The authenticated reads against the floor (net/http alone): at
	// least this share of its req/s, at most this multiple of its p99.
	targetFloorRPS = 0.85
	targetFloorP99 = 1.5
)

func (r *report) checkTargets() {
	r.Targets = nil
	for _, q := range r.Ratios {
		if q.To == "floor" && (q.Of == "me-cookie" || q.Of == "me-bearer") {
			r.Targets = append(r.Targets, targetCheck{
				Target: fmt.Sprintf("%s ≥ %.2f × the floor's req/s, p99 ≤ %.1f × the floor's", q.Of, targetFloorRPS, targetFloorP99),
				Got:    fmt.Sprintf("%.2f × req/s, %.2f × p99 (median of %d rounds)", q.RPS, q.P99, len(q.RPSByRun)),
				Met:    q.RPS >= targetFloorRPS && q.P99 <= targetFloorP99,
			})
		}
	}
	for _, res := range r.Results {
		switch res.Scenario {
		case "login", "register":
			r.Targets = append(r.Targets, targetCheck{
				Target: fmt.Sprintf("server RSS ≤ %d MiB during %s", targetRSSBytes>>20, labelOf(res.Scenario, res.Variant)),
				Got:    fmt.Sprintf("peak %.1f MiB (VmRSS sampled every 50 ms; %.1f MiB of it anonymous)", float64(res.PeakRSSBytes)/(1<<20), float64(res.PeakAnonRSS)/(1<<20)),
				Met:    res.PeakRSSBytes <= targetRSSBytes,
			})
		}
		if res.Variant != "" {
			continue
		}
		switch res.Scenario {
		case "me-cookie", "me-bearer":
			r.Targets = append(r.Targets, targetCheck{
				Target: fmt.Sprintf("%s ≥ %d req/s, p99 ≤ %d ms, 0 errors", res.Title, targetMeRPS, targetMeP99ms),
				Got:    fmt.Sprintf("%.0f req/s, p99 %.2f ms, %d errors", res.RPS, res.P99ms, res.Errors),
				Met:    res.RPS >= targetMeRPS && res.P99ms <= targetMeP99ms && res.Errors == 0,
			})
		case "refresh":
			r.Targets = append(r.Targets, targetCheck{
				Target: fmt.Sprintf("%s ≥ %d req/s", res.Title, targetRefreshRPS),
				Got:    fmt.Sprintf("%.0f req/s, %d errors", res.RPS, res.Errors),
				Met:    res.RPS >= targetRefreshRPS,
			})
		}
	}
	r.Targets = append(r.Targets, targetCheck{
		Target: fmt.Sprintf("server RSS ≤ %d MiB through the run", targetRSSBytes>>20),
		Got:    fmt.Sprintf("peak %.1f MiB (VmHWM)", float64(r.ServerPeakRSS)/(1<<20)),
		Met:    r.ServerPeakRSS <= targetRSSBytes,
	})
}

func (r *report) print(w io.Writer) {
	r.checkTargets()
	fmt.Fprintf(w, "\nauthkit under load: %d keep-alive clients per scenario, %s measured each, %d cores shared by server and generator\n\n",
		r.Concurrency, r.Duration, r.Cores)
	if len(r.ServerEnv) > 0 {
		fmt.Fprintf(w, "server environment: %s\n\n", strings.Join(r.ServerEnv, " "))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if r.Rounds > 1 {
		fmt.Fprintf(w, "medians of %d rounds; the scenarios and servers took turns within each round\n\n", r.Rounds)
	}
	fmt.Fprintln(tw, "scenario\treq/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\tserver CPU s\tserver cores\tCPU µs/req\tgen CPU s\tother CPU s\tpeak RSS MiB\tof it anon\t")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%.2f\t%.2f\t%.1f\t%d\t%.2f\t%.2f\t%.0f\t%.2f\t%.2f\t%.1f\t%.1f\t\n",
			labelOf(res.Scenario, res.Variant), res.RPS, res.P50ms, res.P90ms, res.P99ms, res.MaxMs, res.Errors,
			res.ServerCPU, res.ServerCores, res.CPUPerReqUs, res.GenCPU, res.OtherCPU, float64(res.PeakRSSBytes)/(1<<20), float64(res.PeakAnonRSS)/(1<<20))
	}
	tw.Flush()
	for _, res := range r.Results {
		for _, kind := range slices.Sorted(maps.Keys(res.ErrorKinds)) {
			fmt.Fprintf(w, "  %s: %d × %s\n", labelOf(res.Scenario, res.Variant), res.ErrorKinds[kind], kind)
		}
	}
	if len(r.Ratios) > 0 {
		fmt.Fprintln(w, "\nratios within a round (median; each round's in brackets):")
		for _, q := range r.Ratios {
			fmt.Fprintf(w, "  %-26s / %-16s req/s %.2f %s   p99 %.2f %s   CPU/req %.2f %s\n", q.Of, q.To,
				q.RPS, roundList(q.RPSByRun), q.P99, roundList(q.P99ByRun), q.CPU, roundList(q.CPUByRun))
		}
	}
	fmt.Fprintf(w, "\nserver: %.1f CPU s in all, peak RSS %.1f MiB (VmHWM), %d error lines and %d panics in its log\n",
		r.ServerCPUTotal, float64(r.ServerPeakRSS)/(1<<20), r.ServerLogErrors, r.ServerPanics)
	a := r.Argon2
	fmt.Fprintf(w, "%s: one hash takes %.1f ms, so logins and registrations top out near %.0f/s per core (%.0f/s on %d cores)\n",
		a.Params, a.HashMs, a.PerCore, a.AllCores, r.Cores)

	fmt.Fprintf(w, "\ntargets (at %d clients; this run used %d):\n", targetClients, r.Concurrency)
	for _, t := range r.Targets {
		verdict := "MET   "
		if !t.Met {
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "  %s  %s: %s\n", verdict, t.Target, t.Got)
	}

	f := r.Frontend
	fmt.Fprintln(w, "\nfrontend:")
	row := func(name string, fig figure, format func(float64) string) {
		switch {
		case fig.Skipped != "":
			fmt.Fprintf(w, "  %-28s skipped (%s)\n", name, fig.Skipped)
		case fig.Note != "":
			fmt.Fprintf(w, "  %-28s %s (%s)\n", name, format(fig.Value), fig.Note)
		default:
			fmt.Fprintf(w, "  %-28s %s\n", name, format(fig.Value))
		}
	}
	size := func(v float64) string { return fmt.Sprintf("%s (%.0f bytes)", mb(v), v) }
	millis := func(v float64) string { return fmt.Sprintf("%.0f ms", v) }
	if f == (frontendFigures{}) {
		fmt.Fprintln(w, "  not measured (-frontend=false)")
		return
	}
	row("app.wasm raw", f.WasmRaw, size)
	row("app.wasm gzip", f.WasmGzip, size)
	row("app.wasm brotli", f.WasmBrotli, size)
	row("first rendered page", f.FirstPage, millis)
	row("  its HTML received at", f.ColdHTML, millis)
	row("  its app.wasm requested at", f.ColdWasmAsked, millis)
	row("  its app.wasm received at", f.ColdWasm, millis)
	row("  the app took over at", f.ColdTakeover, millis)
	row("first rendered page, reload", f.Reload, millis)
}

func roundList(vs []float64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf("%.2f", v)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
