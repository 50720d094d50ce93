//go:build linux

package main

// What the server process costs, read from Linux's /proc: CPU time from
// /proc/<pid>/stat and memory from /proc/<pid>/status. Elsewhere
// procstat_other.go stands in, and the load generator reports that it
// cannot measure; the robustness tests do not need these.

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/<pid>/stat.
// It is 100 on every Linux architecture Go supports (sysconf(_SC_CLK_TCK)
// needs cgo to ask).
const clockTick = time.Second / 100

// cpuTime returns the user plus system CPU time a process has used.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields count from after
	// its closing parenthesis: state is field 3, utime 14, stime 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	fields := bytes.Fields(b[i+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(string(fields[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(fields[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// memory returns a process's resident set size now (VmRSS) and its peak
// so far (VmHWM), in bytes.
func memory(pid int) (rss, peak int64, err error) {
	m, err := memoryOf(pid)
	return m.rss, m.peak, err
}

// memoryFigures are a process's memory lines of /proc/<pid>/status.
type memoryFigures struct {
	rss, peak int64
	// anon is the part of rss that is the process's own memory (heap,
	// stacks); the rest is mostly pages of the executable, which the
	// kernel can drop and read again.
	anon int64
}

func memoryOf(pid int) (memoryFigures, error) {
	var m memoryFigures
	rss, peak, anon := &m.rss, &m.peak, &m.anon
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m, err
	}
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(name) {
		case "VmRSS":
			dst = rss
		case "VmHWM":
			dst = peak
		case "RssAnon":
			dst = anon
		default:
			continue
		}
		kb, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(value), []byte(" kB"))), 10, 64)
		if err != nil {
			return m, fmt.Errorf("unexpected /proc/%d/status line %q", pid, line)
		}
		*dst = kb << 10
	}
	return m, nil
}

// machineBusy returns the CPU time all processes on the machine have used
// (every state of the first line of /proc/stat but idle and iowait), so a
// run can show how much CPU went to neither the server nor the generator:
// other people's builds on a shared machine skew the figures.
func machineBusy() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	fields := bytes.Fields(line)
	if len(fields) < 5 || string(fields[0]) != "cpu" {
		return 0, fmt.Errorf("unexpected /proc/stat")
	}
	var busy int64
	for i, f := range fields[1:] {
		n, err := strconv.ParseInt(string(f), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected /proc/stat")
		}
		// user nice system idle iowait irq softirq steal guest guest_nice;
		// guest time is already counted in user.
		if i == 3 || i == 4 || i >= 8 {
			continue
		}
		busy += n
	}
	return time.Duration(busy) * clockTick, nil
}
