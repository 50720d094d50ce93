package main

import (
	"bytes"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSlowloris_TricklingHeadersAreCutOffWhileOthersAreServed opens 50
// connections that send a request's headers one byte every 250 ms, as a
// slowloris attack does to hold connections open forever. The server's
// ReadHeaderTimeout (5 s) must close each of them about 5 s after it
// opened, and requests from a normal client must be served promptly all
// the while.
func TestSlowloris_TricklingHeadersAreCutOffWhileOthersAreServed(t *testing.T) {
	ts := startTestServer(t, serverOptions{})
	normal := newConn(ts.Addr)
	defer normal.Close()
	a := newAccount("slowloris", 0)
	if err := register(normal, a); err != nil {
		t.Fatal(err)
	}

	const slowClients = 50
	type outcome struct {
		open  time.Duration // until the server closed the connection
		reply []byte        // anything it sent first
		err   error
	}
	outcomes := make([]outcome, slowClients)
	var wg sync.WaitGroup
	for i := range slowClients {
		wg.Go(func() {
			start := time.Now()
			c, err := net.Dial("tcp", ts.Addr)
			if err != nil {
				outcomes[i].err = err
				return
			}
			defer c.Close()
			closed := make(chan struct{})
			go func() {
				defer close(closed)
				c.SetReadDeadline(start.Add(20 * time.Second))
				buf := make([]byte, 512)
				n, _ := c.Read(buf) // returns when the server hangs up
				outcomes[i].open, outcomes[i].reply = time.Since(start), buf[:n]
			}()
			c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "))
			tick := time.NewTicker(250 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-closed:
					return
				case <-tick.C:
					c.Write([]byte("z"))
				}
			}
		})
	}

	// A normal client keeps working while the slow ones hold connections.
	var slowest time.Duration
	for until := time.Now().Add(5500 * time.Millisecond); time.Now().Before(until); {
		start := time.Now()
		if err := me(normal, a, byBearer); err != nil {
			t.Fatalf("a normal request during the attack: %v", err)
		}
		slowest = max(slowest, time.Since(start))
		time.Sleep(50 * time.Millisecond)
	}
	if slowest > time.Second {
		t.Errorf("a normal request took %v during the attack", slowest)
	}
	wg.Wait()
	for i, o := range outcomes {
		switch {
		case o.err != nil:
			t.Errorf("slow client %d: %v", i, o.err)
		case o.open < 4500*time.Millisecond || o.open > 8*time.Second:
			t.Errorf("slow client %d was cut off after %v, want about 5s (ReadHeaderTimeout)", i, o.open)
		case bytes.Contains(o.reply, []byte(" 200 ")):
			t.Errorf("slow client %d got an answer: %q", i, o.reply)
		}
	}
	t.Logf("slowest normal request during the attack: %v; slow clients cut off after %v", slowest, outcomes[0].open.Round(time.Millisecond))
}

// TestOversizedHeaders_Answer431 checks MaxHeaderBytes (64 KiB): a request
// with a 60 KiB header is served, one with 80 KiB gets 431 Request Header
// Fields Too Large, and the server carries on.
func TestOversizedHeaders_Answer431(t *testing.T) {
	ts := startTestServer(t, serverOptions{})
	conn := newConn(ts.Addr)
	defer conn.Close()
	for _, c := range []struct {
		size int
		want int
	}{
		{60 << 10, http.StatusOK},
		{80 << 10, http.StatusRequestHeaderFieldsTooLarge},
		{1 << 20, http.StatusRequestHeaderFieldsTooLarge},
		{1 << 10, http.StatusOK},
	} {
		resp, err := conn.Do(http.MethodGet, "/healthz", nil, header{"X-Padding", strings.Repeat("a", c.size)})
		if err != nil {
			t.Fatalf("%d-byte header: %v", c.size, err)
		}
		if resp.Status != c.want {
			t.Errorf("%d-byte header: status %d, want %d", c.size, resp.Status, c.want)
		}
	}
}
