package main

// The floor: what net/http alone costs for GET /api/me's answer on this
// machine. A bare handler, in a process of its own (this program, started
// with a hidden first argument, as profile.go does for the server), writes
// the very response the server gave (status, headers, body) with the
// server's http.Server settings, and the floor scenario sends it the same
// request bytes as me-bearer. The server's req/s over the floor's is the
// share of net/http's speed that the kit's own work (logging, headers,
// cross-origin check, token and session checks, JSON) leaves; the report
// prints it per round, run in the same run so the machine's load is
// shared alike.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// internalFloor is the hidden first argument that makes this program the
// floor server; the second is the file holding the response to serve.
const internalFloor = "internal-floor-serve"

// cannedResponse is one recorded answer of the server.
type cannedResponse struct {
	Status int         `json:"status"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
}

// recordMe fetches GET /api/me as a's Bearer client sees it. Date and
// Content-Length are dropped: net/http writes them itself, as it does for
// the server.
func recordMe(addr string, a *account) (cannedResponse, error) {
	c := newConn(addr)
	defer c.Close()
	resp, err := call(c, http.StatusOK, http.MethodGet, "/api/me", nil, byBearer.header(a.Access))
	if err != nil {
		return cannedResponse{}, err
	}
	h := resp.Header.Clone()
	h.Del("Date")
	h.Del("Content-Length")
	return cannedResponse{Status: resp.Status, Header: h, Body: bytes.Clone(resp.Body)}, nil
}

// floorServer is the running floor process.
type floorServer struct {
	Addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// startFloor writes canned into dir and starts this program as the floor
// server, returning once it listens.
func startFloor(ctx context.Context, dir string, canned cannedResponse) (*floorServer, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "floor-response.json")
	b, _ := json.Marshal(canned)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(self, internalFloor, file)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	f := &floorServer{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(f.done) }()
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case f.Addr = <-addr:
		if f.Addr == "" {
			f.Stop()
			return nil, errors.New("the floor server did not start")
		}
		return f, nil
	case <-time.After(10 * time.Second):
	case <-ctx.Done():
	}
	f.Stop()
	return nil, errors.New("the floor server did not start in time")
}

// Pid is the floor process's id, for its CPU time and memory.
func (f *floorServer) Pid() int { return f.cmd.Process.Pid }

// Address is where it listens.
func (f *floorServer) Address() string { return f.Addr }

// Stop ends the floor server.
func (f *floorServer) Stop() {
	select {
	case <-f.done:
		return
	default:
	}
	f.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-f.done:
	case <-time.After(5 * time.Second):
		f.cmd.Process.Kill()
		<-f.done
	}
}

// runFloorServer serves the canned response of file to every request, on
// a free loopback port it prints on stdout, until SIGTERM.
func runFloorServer(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "floor: want the response file")
		return 2
	}
	b, err := os.ReadFile(args[0])
	var canned cannedResponse
	if err == nil {
		err = json.Unmarshal(b, &canned)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		return 1
	}
	// The handler sets each header as the server's handlers do (one map
	// write per header), then writes the body in one call.
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		for name, values := range canned.Header {
			h[name] = values
		}
		w.WriteHeader(canned.Status)
		w.Write(canned.Body)
	})
	// The server's settings (server/cli/serve.go), so both pay for the
	// same deadlines.
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Println(ln.Addr().String())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "floor:", err)
		return 1
	}
	return 0
}

// floorStep is the floor scenario's request: me-bearer's bytes, checked
// for the status and body the floor serves.
func floorStep(a *account, body []byte) step {
	return func(c *httpConn) error {
		resp, err := call(c, http.StatusOK, http.MethodGet, "/api/me", nil, byBearer.header(a.Access))
		if err != nil {
			return err
		}
		if !bytes.Equal(resp.Body, body) {
			return fmt.Errorf("the floor answered %q", resp.Body)
		}
		return nil
	}
}
