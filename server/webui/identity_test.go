package webui

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"testing"
	"testing/fstest"
	"time"

	"github.com/andybalholm/brotli"
)

// wasmLike is a few MB that compress about as app.wasm does, written
// with the window make build uses (precompress: LGWin 24).
func wasmLike(t *testing.T, size int) (raw, br []byte) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	words := make([][]byte, 4096)
	for i := range words {
		w := make([]byte, 3+rng.IntN(9))
		for j := range w {
			w[j] = byte(rng.IntN(256))
		}
		words[i] = w
	}
	var b bytes.Buffer
	for b.Len() < size {
		b.Write(words[rng.IntN(len(words))])
	}
	raw = b.Bytes()[:size]
	var out bytes.Buffer
	zw := brotli.NewWriterOptions(&out, brotli.WriterOptions{Quality: 5, LGWin: 24})
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return raw, out.Bytes()
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestWasm_BrotliOnly_SlowIdentityClientsDoNotEachHoldADecoder: a client
// that says it accepts no encoding (Accept-Encoding: identity, which
// anyone can send) gets app.wasm decoded from the brotli copy as it is
// sent, through a decoder of its own. Its ring buffer is the size of the
// brotli window (up to 16 MB with make build's LGWin 24), held for as
// long as the client takes to read: serve gives a slow reader up to 10
// minutes (giveTimeToSend). So a few hundred connections that ask for
// app.wasm and never read hold gigabytes of the server's memory.
func TestWasm_BrotliOnly_SlowIdentityClientsDoNotEachHoldADecoder(t *testing.T) {
	const clients = 12
	raw, br := wasmLike(t, 6<<20)
	files := fstest.MapFS{"app.wasm.br": {Data: br}}
	h := newHandler("test", files)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, WriteTimeout: time.Minute}
	go srv.Serve(smallBuffers{ln}) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })

	// Warm up: the file's size is measured once, and kept.
	warm, err := http.Get("http://" + ln.Addr().String() + "/web/app.wasm")
	if err != nil {
		t.Fatal(err)
	}
	warm.Body.Close()

	before := heapInUse()
	for range clients {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.(*net.TCPConn).SetReadBuffer(4 << 10)
		fmt.Fprintf(c, "GET /web/app.wasm HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReaderSize(c, 4<<10), nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "" {
			t.Fatalf("status %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		// ... and read no more of it.
	}
	time.Sleep(300 * time.Millisecond)
	grown := int64(heapInUse()) - int64(before)
	t.Logf("%d stalled identity downloads of a %d-byte file: heap in use grew by %d MB", clients, len(raw), grown>>20)
	if limit := int64(2 * len(raw)); grown > limit {
		t.Errorf("%d clients that do not read hold %d MB of the server's heap (%.1f MB each), more than two copies of the %d MB file",
			clients, grown>>20, float64(grown)/clients/(1<<20), len(raw)>>20)
	}
}
