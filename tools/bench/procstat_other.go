//go:build !linux

package main

// The process figures come from Linux's /proc (procstat_linux.go); on
// other systems the load generator stops with this error instead. The
// robustness tests do not use them and run anywhere.

import (
	"errors"
	"runtime"
	"time"
)

var errNoProcfs = errors.New("measuring a process's CPU time and memory needs Linux's /proc; run make bench on Linux (this is " + runtime.GOOS + ")")

func cpuTime(pid int) (time.Duration, error) { return 0, errNoProcfs }

func memory(pid int) (rss, peak int64, err error) { return 0, 0, errNoProcfs }

type memoryFigures struct{ rss, peak, anon int64 }

func memoryOf(pid int) (memoryFigures, error) { return memoryFigures{}, errNoProcfs }

func machineBusy() (time.Duration, error) { return 0, errNoProcfs }
