package main

// The real server under test: a child process running `authkit serve` on
// 127.0.0.1 with its own SQLite file, watched through its JSON log and
// /proc. The load generator and the soak, crash, fault and slowloris tests
// all start it the same way.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// serverOptions describe one server process.
type serverOptions struct {
	Bin  string   // the authkit binary
	DB   string   // SQLite file
	Args []string // extra serve flags, after the defaults (later flags win)
	Env  []string // extra environment, KEY=value
	// Prefix comes before "serve" on the command line; the profiling mode
	// uses it to run this program as the server (see profile.go).
	Prefix []string
}

// defaultServeArgs are the flags every run uses: loopback on a free port,
// JSON logs (parsed by serverLog), plain cookie names so clients can set
// the Cookie header by hand, no throttles (the load comes from one IP), no
// cap on sessions (the login scenario starts thousands per account, and
// the other scenarios keep using the account's first one), and access
// tokens that outlive any run so clients need not refresh to
// stay logged in.
func defaultServeArgs(db string) []string {
	return []string{
		"serve", "--addr", "127.0.0.1:0", "--db", db, "--log-format", "json",
		"--insecure-cookies", "--login-throttle", "0", "--login-client-throttle", "0", "--register-throttle", "0",
		"--max-sessions", "0", "--access-ttl", "1h",
	}
}

// server is a running authkit process.
type server struct {
	URL  string // http://127.0.0.1:port
	Addr string // 127.0.0.1:port
	opt  serverOptions
	cmd  *exec.Cmd
	log  *serverLog
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, valid after done
}

// startServer starts the binary and returns once /healthz answers 200.
func startServer(ctx context.Context, opt serverOptions) (*server, error) {
	args := append(append(append([]string{}, opt.Prefix...), defaultServeArgs(opt.DB)...), opt.Args...)
	cmd := exec.Command(opt.Bin, args...)
	cmd.Env = append(os.Environ(), opt.Env...)
	// Keep the user's AUTHKIT_* settings out: the run defines the server.
	cmd.Env = withoutAuthkitEnv(cmd.Env, opt.Env)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", opt.Bin, err)
	}
	s := &server{opt: opt, cmd: cmd, log: newServerLog(), done: make(chan struct{})}
	go s.log.consume(stderr)
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.Kill()
		return nil, fmt.Errorf("%w\nserver log:\n%s", err, s.log.Tail(20))
	}
	return s, nil
}

func withoutAuthkitEnv(env, keep []string) []string {
	kept := make(map[string]bool, len(keep))
	for _, kv := range keep {
		kept[kv] = true
	}
	out := env[:0]
	for _, kv := range env {
		if strings.HasPrefix(kv, "AUTHKIT_") && !kept[kv] {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func (s *server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	select {
	case addr := <-s.log.listening:
		s.Addr, s.URL = addr, "http://"+addr
	case <-s.done:
		return fmt.Errorf("server exited before listening: %v", s.err)
	case <-ctx.Done():
		return errors.New("server did not start listening in time")
	}
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("server exited during start-up: %v", s.err)
		case <-ctx.Done():
			return errors.New("/healthz did not answer 200 in time")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Pid is the server's process id.
func (s *server) Pid() int { return s.cmd.Process.Pid }

// Address is where it listens, host:port.
func (s *server) Address() string { return s.Addr }

// Alive reports whether the process is still running.
func (s *server) Alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Stop asks the server to shut down gracefully (SIGTERM) and kills it if
// it has not exited within 20 s. It returns the process's exit error.
func (s *server) Stop() error {
	if !s.Alive() {
		return s.err
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return s.err
	case <-time.After(20 * time.Second):
		s.Kill()
		return errors.New("server did not stop within 20s of SIGTERM; killed")
	}
}

// Kill ends the server with SIGKILL, as a crash or the OOM killer would,
// and waits for it to be gone.
func (s *server) Kill() {
	if s.Alive() {
		s.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-s.done
}

// serverLog reads the server's JSON log: it finds the listening address,
// counts errors and panics, and keeps the last lines for diagnostics.
// Per-request lines stream past at load-test rates, so it only looks at
// each line, never keeps them all.
type serverLog struct {
	listening chan string

	mu       sync.Mutex
	tail     []string // ring of the last lines
	next     int
	errors   []string // the first level=ERROR lines
	nErrors  int
	panics   int
	statuses map[int]int // responses by status, from the request lines
}

func newServerLog() *serverLog {
	return &serverLog{listening: make(chan string, 1), tail: make([]string, 0, 64), statuses: map[int]int{}}
}

func (l *serverLog) consume(r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			l.observe(line)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return
		}
	}
}

var (
	levelError = []byte(`"level":"ERROR"`)
	msgRequest = []byte(`"msg":"request"`)
)

func (l *serverLog) observe(line []byte) {
	isRequest := bytes.Contains(line, msgRequest)
	var status int
	if isRequest {
		status = statusOf(line)
	}
	// The request log puts every 5xx at level ERROR; a 503 is the
	// database being away (the "database unavailable" warning says why),
	// not a fault of the server's.
	isError := bytes.Contains(line, levelError) && status != 503
	l.mu.Lock()
	defer l.mu.Unlock()
	if isRequest {
		l.statuses[status]++
	}
	if !isRequest || isError {
		s := strings.TrimSpace(string(line))
		if len(l.tail) < cap(l.tail) {
			l.tail = append(l.tail, s)
		} else {
			l.tail[l.next] = s
			l.next = (l.next + 1) % len(l.tail)
		}
		if strings.Contains(s, "panic") {
			l.panics++
		}
	}
	if isError {
		l.nErrors++
		if len(l.errors) < 20 {
			l.errors = append(l.errors, strings.TrimSpace(string(line)))
		}
	}
	if !isRequest && bytes.Contains(line, []byte(`"msg":"authkit listening"`)) {
		var v struct{ Addr string }
		if json.Unmarshal(line, &v) == nil && v.Addr != "" {
			select {
			case l.listening <- v.Addr:
			default:
			}
		}
	}
}

// statusOf finds "status":NNN in a request line without decoding it all.
func statusOf(line []byte) int {
	const key = `"status":`
	i := bytes.Index(line, []byte(key))
	if i < 0 || i+len(key)+3 > len(line) {
		return 0
	}
	n := 0
	for _, c := range line[i+len(key) : i+len(key)+3] {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// Tail returns the last n lines other than request lines (and every
// request line that logged an error), oldest first.
func (l *serverLog) Tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := append(append([]string{}, l.tail[l.next:]...), l.tail[:l.next]...)
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Find returns the newest kept line that contains substr, or "".
func (l *serverLog) Find(substr string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := append(append([]string{}, l.tail[l.next:]...), l.tail[:l.next]...)
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], substr) {
			return lines[i]
		}
	}
	return ""
}

// Errors returns how many level=ERROR lines the server logged, and the
// first few of them.
func (l *serverLog) Errors() (int, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nErrors, append([]string{}, l.errors...)
}

// Panics counts log lines that mention a panic.
func (l *serverLog) Panics() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.panics
}

// Statuses returns how many responses the server logged per status code.
func (l *serverLog) Statuses() map[int]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[int]int, len(l.statuses))
	for k, v := range l.statuses {
		out[k] = v
	}
	return out
}
