package main

// Profiling the server under load. The shipped binary is stripped and has
// no pprof endpoint, so with -cpuprofile or -memprofile this program runs
// a second copy of itself as the server: the same serve command from
// server/cli, compiled into this binary, writing pprof profiles of the
// server process alone (the generator's work stays in its own process).
//
//	cd tools && go run ./bench -scenario me-bearer -cpuprofile cpu.out
//	go tool pprof -top cpu.out

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"

	"github.com/authkit/authkit/server/cli"
)

// internalServe is the hidden first argument that makes this program the
// server.
const internalServe = "internal-profiled-serve"

const (
	envCPUProfile = "BENCH_SERVER_CPUPROFILE"
	envMemProfile = "BENCH_SERVER_MEMPROFILE"
)

func profileEnv(cpu, mem string) []string {
	abs := func(p string) string {
		if p == "" {
			return ""
		}
		a, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		return a
	}
	return []string{envCPUProfile + "=" + abs(cpu), envMemProfile + "=" + abs(mem)}
}

// runProfiledServer runs `authkit serve` in this process, profiling it
// until SIGTERM.
func runProfiledServer(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if path := os.Getenv(envCPUProfile); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench server:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench server:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	err := cli.Run(ctx, cli.Env{
		Args: args, Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Version: "bench",
	})
	if path := os.Getenv(envMemProfile); path != "" {
		if f, ferr := os.Create(path); ferr == nil {
			runtime.GC()
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench server:", err)
		return 1
	}
	return 0
}
