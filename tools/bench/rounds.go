package main

// What one run drives: the default server, the variants (more servers,
// each with extra serve flags, for A/B comparisons such as old and new
// argon2id settings, or SQLite and PostgreSQL) and the floor (floor.go).
// A shared machine's load drifts by the minute, so comparisons are made
// within a round: each round runs every scenario once on each server, back
// to back, the floor next to the scenarios compared with it, and the
// order of scenarios and of servers flips every round. The report quotes the median of the
// rounds, and of the ratios round by round.

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// variant is another server configuration to compare with the default.
type variant struct {
	Name string `json:"name"`
	// Scenarios it runs; empty means every selected scenario.
	Scenarios []string `json:"scenarios,omitempty"`
	// Args are serve flags after the defaults (later flags win).
	Args []string `json:"args"`
	// Bin is another authkit binary to run (-baseline); "" is the
	// default server's.
	Bin string `json:"bin,omitempty"`
	// Against names the variant its runs are compared with; "" is the
	// default server.
	Against string `json:"against,omitempty"`
}

// postgresScenarios are what -postgres runs on PostgreSQL: the ones that
// write (the read path is answered from in-process caches either way).
const postgresScenarios = "refresh,mixed"

var variantName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)

// parseVariant reads NAME[@SCENARIO,…]=FLAGS.
func parseVariant(spec string) (variant, error) {
	head, flags, ok := strings.Cut(spec, "=")
	name, list, _ := strings.Cut(head, "@")
	if !ok || !variantName.MatchString(name) {
		return variant{}, errors.New("want NAME[@SCENARIO,…]=FLAGS, NAME made of lower-case letters, digits, '-' and '.'")
	}
	v := variant{Name: name, Args: strings.Fields(flags)}
	if list != "" {
		for sc := range strings.SplitSeq(list, ",") {
			if i := indexOfScenario(sc); i < 0 || scenarios[i].onFloor {
				return variant{}, fmt.Errorf("unknown scenario %q (have %s)", sc, scenarioNames())
			}
			v.Scenarios = append(v.Scenarios, sc)
		}
	}
	return v, nil
}

// loadTarget is a process that scenarios load: a server or the floor.
type loadTarget interface {
	Pid() int
	Address() string
}

// benchServer is one server of the run with its clients' accounts.
type benchServer struct {
	name     string // "" for the default server
	against  string // the server its runs are compared with
	only     []string
	srv      *server
	accounts []*account
	run      *benchRun
}

func (b *benchServer) runs(sc scenario) bool {
	return len(b.only) == 0 || slices.Contains(b.only, sc.Name)
}

// testbed is every process a run loads.
type testbed struct {
	base     *benchServer
	variants []*benchServer
	floor    *floorServer
}

// startTestbed starts the default server, then the variants and (when
// the floor scenario is selected) the floor, registering one account per
// client on each server.
func startTestbed(ctx context.Context, opt serverOptions, o options, dir string, selected []scenario, progress func(string, ...any)) (bed *testbed, err error) {
	bed = &testbed{}
	defer func() {
		if err != nil {
			bed.stop()
		}
	}()
	id := strconv.FormatInt(time.Now().UnixNano(), 36)
	if bed.base, err = startBenchServer(ctx, "", nil, opt, o.concurrency, id, progress); err != nil {
		return bed, err
	}
	for _, v := range o.variants {
		vopt := opt
		vopt.DB = filepath.Join(dir, "authkit-"+v.Name+".db")
		vopt.Env = o.serverEnv // the profiles are the default server's
		vopt.Args = append(slices.Clone(opt.Args), v.Args...)
		if v.Bin != "" {
			vopt.Bin, vopt.Prefix = v.Bin, nil
		}
		s, err := startBenchServer(ctx, v.Name, v.Scenarios, vopt, o.concurrency, id+"-"+v.Name, progress)
		if err != nil {
			return bed, fmt.Errorf("variant %s: %w", v.Name, err)
		}
		s.against = v.Against
		bed.variants = append(bed.variants, s)
	}
	if slices.ContainsFunc(selected, func(sc scenario) bool { return sc.onFloor }) {
		canned, err := recordMe(bed.base.srv.Addr, bed.base.accounts[0])
		if err != nil {
			return bed, fmt.Errorf("recording GET /api/me for the floor: %w", err)
		}
		if bed.floor, err = startFloor(ctx, dir, canned); err != nil {
			return bed, err
		}
		bed.base.run.floorBody = canned.Body
		progress("floor: net/http alone (pid %d) on %s, answering GET /api/me's %d bytes of body", bed.floor.Pid(), bed.floor.Addr, len(canned.Body))
	}
	return bed, nil
}

func startBenchServer(ctx context.Context, name string, only []string, opt serverOptions, clients int, runID string, progress func(string, ...any)) (*benchServer, error) {
	srv, err := startServer(ctx, opt)
	if err != nil {
		return nil, err
	}
	label := "server"
	if name != "" {
		label = "variant " + name
	}
	progress("%s %s (pid %d) on %s, serve flags %s", label, opt.Bin, srv.Pid(), srv.URL, strings.Join(append(defaultServeArgs(opt.DB)[1:], opt.Args...), " "))
	accounts, err := registerAccounts(srv.Addr, clients, runID)
	if err != nil {
		srv.Stop()
		return nil, fmt.Errorf("registering the clients' accounts: %w", err)
	}
	return &benchServer{name: name, only: only, srv: srv, accounts: accounts, run: &benchRun{id: runID}}, nil
}

func (b *testbed) servers() []*benchServer {
	return append([]*benchServer{b.base}, b.variants...)
}

// stop ends every process; it may be called more than once.
func (b *testbed) stop() {
	if b.floor != nil {
		b.floor.Stop()
	}
	for _, s := range b.servers() {
		if s != nil && s.srv.Alive() {
			if err := s.srv.Stop(); err != nil {
				fmt.Printf("bench: server %s exit: %v\n", s.name, err)
			}
		}
	}
}

// runRounds runs every selected scenario o.rounds times. When a run
// fails (or the bench is interrupted) it returns the runs of the rounds
// completed before, with the error.
func (b *testbed) runRounds(ctx context.Context, selected []scenario, o options, progress func(string, ...any)) ([]result, error) {
	var runs []result
	for round := 1; round <= o.rounds; round++ {
		complete := len(runs)
		order := slices.Clone(selected)
		if round%2 == 0 {
			slices.Reverse(order) // ABBA: drift over a round favours neither side
		}
		for _, sc := range order {
			for _, s := range b.serversFor(sc, round) {
				label := labelOf(sc.Name, s.name)
				progress("round %d/%d %-22s %d clients, %v warm-up + %v", round, o.rounds, label, len(s.accounts), o.warmup, o.duration)
				steps := make([]step, len(s.accounts))
				for i, a := range s.accounts {
					steps[i] = sc.client(s.run, i, a)
				}
				var t loadTarget = s.srv
				if sc.onFloor {
					t = b.floor
				}
				r, err := runLoad(ctx, t, steps, loadConfig{Warmup: o.warmup, Duration: o.duration})
				if err != nil {
					return runs[:complete], fmt.Errorf("%s: %w", label, err)
				}
				r.Scenario, r.Title, r.Variant, r.Against, r.Round = sc.Name, sc.Title, s.name, s.against, round
				runs = append(runs, r)
			}
		}
	}
	return runs, nil
}

// serversFor lists the servers that run sc this round: the floor scenario
// runs once (with the default server's clients); the others on the
// default server and each variant that has them, in an order that flips
// every round so neither side always goes first.
func (b *testbed) serversFor(sc scenario, round int) []*benchServer {
	if sc.onFloor {
		return []*benchServer{b.base}
	}
	var out []*benchServer
	for _, s := range b.servers() {
		if s.runs(sc) {
			out = append(out, s)
		}
	}
	if round%2 == 0 {
		slices.Reverse(out)
	}
	return out
}

// labelOf names a scenario run: "login", or "login@argon2-19x2" on a
// variant.
func labelOf(scenario, variant string) string {
	if variant == "" {
		return scenario
	}
	return scenario + "@" + variant
}

// medians folds the rounds of each scenario on each server into one
// result: the median of each rate, latency and CPU figure, the sum of
// requests and errors, and the highest memory peak.
func medians(runs []result) []result {
	var order []string
	groups := map[string][]result{}
	for _, r := range runs {
		k := labelOf(r.Scenario, r.Variant)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	out := make([]result, 0, len(order))
	for _, k := range order {
		g := groups[k]
		m := g[0]
		m.Round, m.Rounds = 0, len(g)
		m.ErrorKinds = map[string]int{}
		m.Requests, m.Errors, m.Seconds = 0, 0, 0
		for _, r := range g {
			m.Requests += r.Requests
			m.Errors += r.Errors
			m.Seconds += r.Seconds
			m.PeakRSSBytes = max(m.PeakRSSBytes, r.PeakRSSBytes)
			m.PeakAnonRSS = max(m.PeakAnonRSS, r.PeakAnonRSS)
			for kind, n := range r.ErrorKinds {
				m.ErrorKinds[kind] += n
			}
		}
		med := func(f func(result) float64) float64 {
			vs := make([]float64, len(g))
			for i, r := range g {
				vs[i] = f(r)
			}
			return median(vs)
		}
		m.RPS = med(func(r result) float64 { return r.RPS })
		m.P50ms = med(func(r result) float64 { return r.P50ms })
		m.P90ms = med(func(r result) float64 { return r.P90ms })
		m.P99ms = med(func(r result) float64 { return r.P99ms })
		m.MaxMs = med(func(r result) float64 { return r.MaxMs })
		m.ServerCPU = med(func(r result) float64 { return r.ServerCPU })
		m.ServerCores = med(func(r result) float64 { return r.ServerCores })
		m.CPUPerReqUs = med(func(r result) float64 { return r.CPUPerReqUs })
		m.GenCPU = med(func(r result) float64 { return r.GenCPU })
		m.OtherCPU = med(func(r result) float64 { return r.OtherCPU })
		out = append(out, m)
	}
	return out
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	sort.Float64s(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// ratio compares one scenario run with its reference in the same round:
// the authenticated reads with the floor, a variant with the default
// server. Besides req/s and p99 it compares the server's CPU time per
// request, which depends far less on what else the machine is running
// than the rates do: on a shared machine it is the steadier figure.
type ratio struct {
	Of       string    `json:"of"` // a label: "me-bearer", "login@argon2-19x2"
	To       string    `json:"to"` // "floor", or the label of the run it is compared with
	RPS      float64   `json:"rps_ratio"`
	P99      float64   `json:"p99_ratio"`
	CPU      float64   `json:"cpu_per_request_ratio"`
	RPSByRun []float64 `json:"rps_ratio_by_round"`
	P99ByRun []float64 `json:"p99_ratio_by_round"`
	CPUByRun []float64 `json:"cpu_per_request_ratio_by_round"`
}

// floorCompared are the scenarios compared with the floor.
var floorCompared = []string{"me-cookie", "me-bearer", "verify"}

// ratios pairs every run with its reference of the same round and takes
// the median over the rounds.
func ratios(runs []result) []ratio {
	type key struct {
		scenario, variant string
		round             int
	}
	byKey := map[key]result{}
	for _, r := range runs {
		byKey[key{r.Scenario, r.Variant, r.Round}] = r
	}
	var order []string
	found := map[string]*ratio{}
	add := func(r result, to string, ref key) {
		rr, ok := byKey[ref]
		if !ok || rr.RPS == 0 || rr.P99ms == 0 {
			return
		}
		of := labelOf(r.Scenario, r.Variant)
		q := found[of+"/"+to]
		if q == nil {
			q = &ratio{Of: of, To: to}
			found[of+"/"+to] = q
			order = append(order, of+"/"+to)
		}
		q.RPSByRun = append(q.RPSByRun, r.RPS/rr.RPS)
		q.P99ByRun = append(q.P99ByRun, r.P99ms/rr.P99ms)
		if rr.CPUPerReqUs > 0 {
			q.CPUByRun = append(q.CPUByRun, r.CPUPerReqUs/rr.CPUPerReqUs)
		}
	}
	for _, r := range runs {
		if slices.Contains(floorCompared, r.Scenario) {
			add(r, "floor", key{"floor", "", r.Round})
		}
		if r.Variant != "" {
			add(r, labelOf(r.Scenario, r.Against), key{r.Scenario, r.Against, r.Round})
		}
	}
	out := make([]ratio, 0, len(order))
	for _, k := range order {
		q := found[k]
		q.RPS, q.P99, q.CPU = median(q.RPSByRun), median(q.P99ByRun), median(q.CPUByRun)
		out = append(out, *q)
	}
	return out
}
