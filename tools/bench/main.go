// Command bench measures authkit as shipped: it starts the real binary on
// 127.0.0.1 with a fresh SQLite database, drives it with concurrent
// keep-alive clients one scenario at a time, and prints requests/s,
// latency percentiles, errors, the server's CPU time and peak memory, the
// cost of one argon2id hash, and the frontend's download size and time to
// first rendered page.
//
//	cd tools && go run ./bench [-duration 5s] [-concurrency 32] [-scenario all|me-cookie,refresh,…] [-json FILE] [-bin PATH]
//	    [-rounds N] [-variant 'NAME@login,register=--argon2-memory 19 --argon2-time 2'] [-postgres URL]
//
// The floor scenario serves GET /api/me's bytes from net/http alone
// (floor.go), and the report gives the authenticated reads' req/s and p99
// as ratios of the floor's. -rounds repeats everything, interleaved, and
// reports medians; -variant and -postgres start more servers with other
// flags and compare them with the default one, round by round (rounds.go).
//
// `make bench` builds it into bin/bench and runs it from the repository
// root. Without -bin it tests $AUTHKIT_BIN, else the repository's
// bin/authkit, else a fresh build. It reads the process figures from
// Linux's /proc, so it measures on Linux only.
//
// The generator runs on the same machine as the server, so the figures
// are a floor for a server with the machine to itself; the table shows
// the generator's own CPU time next to the server's. -cpuprofile runs the
// server from this program instead of the binary (the same code, with
// symbols) and writes a pprof CPU profile of the server process alone.
//
// The package's tests are the robustness half: a soak under mixed load,
// a SIGKILL in the middle of writes, a disk that fills up and a database
// that vanishes, and slow or oversized requests.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"
)

var selfPid = os.Getpid()

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case internalServe:
			os.Exit(runProfiledServer(os.Args[2:]))
		case internalFloor:
			os.Exit(runFloorServer(os.Args[2:]))
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	duration    time.Duration
	warmup      time.Duration
	concurrency int
	scenarios   string
	jsonOut     string
	bin         string
	chromium    string
	frontend    bool
	cpuProfile  string
	memProfile  string
	genProfile  string
	serverEnv   []string
	rounds      int
	variants    []variant
	postgres    string
	baseline    string
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "measured time per scenario")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up per scenario")
	fs.IntVar(&o.concurrency, "concurrency", 32, "concurrent keep-alive clients")
	fs.StringVar(&o.scenarios, "scenario", "all", "scenarios to run: all, or a comma list of "+scenarioNames())
	fs.IntVar(&o.rounds, "rounds", 1, "run every scenario this many times, interleaved, and report medians")
	fs.Func("variant", "also run a second server with extra serve flags: `NAME[@SCENARIO,…]=FLAGS`, e.g. 'argon2-19x2@login,register=--argon2-memory 19 --argon2-time 2' (repeatable); its scenarios run next to the default server's in each round", func(spec string) error {
		v, err := parseVariant(spec)
		o.variants = append(o.variants, v)
		return err
	})
	fs.Func("baseline", "an earlier authkit `binary` to compare with: every selected scenario also runs on it, as the variant \"baseline\" (and \"baseline-postgres\" with -postgres)", func(path string) error {
		abs, err := filepath.Abs(path)
		o.baseline = abs
		return err
	})
	fs.StringVar(&o.postgres, "postgres", os.Getenv("AUTHKIT_TEST_POSTGRES"), "a PostgreSQL URL: also run "+postgresScenarios+" on a server using it (default $AUTHKIT_TEST_POSTGRES, which .ci/with-postgres sets)")
	fs.StringVar(&o.jsonOut, "json", "", "also write the results as JSON to this file")
	fs.StringVar(&o.bin, "bin", "", "authkit binary (default $AUTHKIT_BIN, else bin/authkit, else built into a temp dir)")
	fs.StringVar(&o.chromium, "chromium", "/usr/bin/chromium", "Chromium, for the time to first rendered page")
	fs.BoolVar(&o.frontend, "frontend", true, "measure the frontend (sizes, first render)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "run the server from this program and write its CPU profile here")
	fs.StringVar(&o.memProfile, "memprofile", "", "run the server from this program and write its heap profile here at exit")
	fs.StringVar(&o.genProfile, "genprofile", "", "write a CPU profile of the load generator itself here")
	fs.Func("server-env", "extra `KEY=VALUE` in the server's environment, such as GOMEMLIMIT=48MiB (repeatable)", func(kv string) error {
		if !strings.Contains(kv, "=") {
			return errors.New("want KEY=VALUE")
		}
		o.serverEnv = append(o.serverEnv, kv)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.concurrency < 1:
		return o, errors.New("-concurrency must be at least 1")
	case o.duration <= 0 || o.warmup < 0:
		return o, errors.New("-duration must be positive and -warmup not negative")
	case o.rounds < 1:
		return o, errors.New("-rounds must be at least 1")
	}
	if o.baseline != "" {
		o.variants = append(o.variants, variant{Name: "baseline", Bin: o.baseline})
	}
	if o.postgres != "" {
		pg := variant{Name: "postgres", Scenarios: strings.Split(postgresScenarios, ","), Args: []string{"--db", o.postgres}}
		o.variants = append(o.variants, pg)
		if o.baseline != "" {
			o.variants = append(o.variants, variant{Name: "baseline-postgres", Scenarios: pg.Scenarios, Args: pg.Args, Bin: o.baseline, Against: "postgres"})
		}
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	selected, err := selectScenarios(o.scenarios)
	if err != nil {
		return err
	}
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }

	// Time argon2id before any load, on a quiet machine.
	hash := measureArgon2()

	dir, err := os.MkdirTemp("", "authkit-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	opt, err := serverUnderTest(ctx, o, dir, progress)
	if err != nil {
		return err
	}
	opt.Env = append(opt.Env, o.serverEnv...)
	stopProfile, err := profileGenerator(o.genProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	bed, err := startTestbed(ctx, opt, o, dir, selected, progress)
	if err != nil {
		return err
	}
	defer bed.stop()
	srv := bed.base.srv

	report := report{
		Concurrency: o.concurrency, Duration: o.duration.String(), Cores: runtime.NumCPU(),
		Binary: opt.Bin, ServerEnv: o.serverEnv, Argon2: hash, Rounds: o.rounds,
	}
	report.Runs, err = bed.runRounds(ctx, selected, o, progress)
	runErr := err
	if err != nil {
		// Interrupted or failed: report the rounds that completed, if any.
		if len(report.Runs) == 0 {
			return err
		}
		report.Rounds = report.Runs[len(report.Runs)-1].Round
		progress("%v; reporting the %d rounds completed", err, report.Rounds)
		o.frontend = false
	}
	report.Results = medians(report.Runs)
	report.Ratios = ratios(report.Runs)
	if cpu, err := cpuTime(srv.Pid()); err == nil {
		report.ServerCPUTotal = cpu.Seconds()
	}
	if _, hwm, err := memory(srv.Pid()); err == nil {
		report.ServerPeakRSS = hwm
	}
	if o.frontend {
		progress("frontend: sizes and first render")
		report.Frontend = measureFrontend(ctx, srv, o.chromium)
	}
	for _, s := range bed.servers() {
		n, _ := s.srv.log.Errors()
		report.ServerLogErrors += n
		report.ServerPanics += s.srv.log.Panics()
	}
	bed.stop()

	report.print(stdout)
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(report, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return runErr
}

// profileGenerator starts a CPU profile of this process when path is set
// and returns the function that ends it.
func profileGenerator(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// serverUnderTest decides what runs as the server: this program when a
// profile is wanted, else the authkit binary.
func serverUnderTest(ctx context.Context, o options, dir string, progress func(string, ...any)) (serverOptions, error) {
	opt := serverOptions{DB: filepath.Join(dir, "authkit.db")}
	if o.cpuProfile != "" || o.memProfile != "" {
		self, err := os.Executable()
		if err != nil {
			return opt, err
		}
		opt.Bin, opt.Prefix = self, []string{internalServe}
		opt.Env = profileEnv(o.cpuProfile, o.memProfile)
		progress("profiling: the server runs from this program, profiles go to %s %s", o.cpuProfile, o.memProfile)
		return opt, nil
	}
	bin, err := findBinary(ctx, o.bin, dir, progress)
	opt.Bin = bin
	return opt, err
}

// findBinary returns the authkit binary to test: the -bin flag, else
// $AUTHKIT_BIN, else bin/authkit, else a fresh build in dir.
func findBinary(ctx context.Context, flagBin, dir string, progress func(string, ...any)) (string, error) {
	for _, candidate := range []string{flagBin, os.Getenv("AUTHKIT_BIN")} {
		if candidate != "" {
			if _, err := os.Stat(candidate); err != nil {
				return "", fmt.Errorf("authkit binary: %w", err)
			}
			return filepath.Abs(candidate)
		}
	}
	if root, err := productRoot(ctx); err == nil {
		bin := filepath.Join(root, "bin", "authkit")
		if info, err := os.Stat(bin); err == nil {
			progress("using %s, built %s (run `make build` if that is stale)", bin, info.ModTime().Format(time.DateTime))
			return bin, nil
		}
	}
	progress("no bin/authkit: building the server into %s", dir)
	return buildServer(ctx, dir)
}

// registerAccounts creates one account per client, a few at a time
// (registration is argon2-bound).
func registerAccounts(addr string, n int, runID string) ([]*account, error) {
	accounts := make([]*account, n)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan int)
	)
	for range min(n, 4) {
		wg.Go(func() {
			c := newConn(addr)
			defer c.Close()
			for i := range next {
				a := &account{Email: fmt.Sprintf("client%d-%s@bench.example.com", i, runID), Password: benchPassword}
				if err := register(c, a); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
				}
				accounts[i] = a
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return accounts, firstErr
}
