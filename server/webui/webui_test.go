package webui

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/andybalholm/brotli"
)

// fakeWasm stands in for app.wasm: compressible, and big enough that a
// wrong encoding would show.
var fakeWasm = bytes.Repeat([]byte("\x00asm fake module body "), 4096)

func testFiles(t *testing.T, wasm []byte, compressedFrom []byte) fstest.MapFS {
	t.Helper()
	return fstest.MapFS{
		"app.wasm":    {Data: wasm},
		"app.wasm.gz": {Data: gzipped(t, compressedFrom)},
		"app.wasm.br": {Data: brotlied(t, compressedFrom)},
		"app.css":     {Data: []byte("body { color: black; }\n")},
		"icon.svg":    {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
		"robots.txt":  {Data: []byte("User-agent: *\n")},
		"web.go":      {Data: []byte("package web\n")},
	}
}

func gzipped(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func brotlied(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w := brotli.NewWriterLevel(&b, brotli.DefaultCompression)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func decoded(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	var r io.Reader = resp.Body
	switch resp.Header.Get("Content-Encoding") {
	case "br":
		r = brotli.NewReader(resp.Body)
	case "gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestWasm_SentInTheBestEncodingTheBrowserAccepts(t *testing.T) {
	h := newHandler("v1.2.3", testFiles(t, fakeWasm, fakeWasm))
	cases := []struct{ acceptEncoding, want string }{
		{"gzip, deflate, br, zstd", "br"},
		{"br", "br"},
		{"gzip", "gzip"},
		{"GZIP;q=0.5", "gzip"},
		{"br;q=0, gzip", "gzip"},
		{"*", "br"},
		{"br;q=0, *", "gzip"},
		{"", ""},
		{"identity", ""},
		{"gzip;q=0, br;q=0", ""},
		{"deflate", ""},
	}
	for _, tc := range cases {
		resp := get(t, h, "/web/app.wasm", "Accept-Encoding", tc.acceptEncoding)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("Accept-Encoding %q: status %d", tc.acceptEncoding, resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.acceptEncoding, got, tc.want)
		}
		if got := resp.Header.Get("Content-Type"); got != "application/wasm" {
			t.Errorf("Content-Type = %q", got)
		}
		if got := resp.Header.Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("Vary = %q, want Accept-Encoding", got)
		}
		if body := decoded(t, resp); !bytes.Equal(body, fakeWasm) {
			t.Errorf("Accept-Encoding %q: body differs from app.wasm (%d bytes)", tc.acceptEncoding, len(body))
		}
	}
}

// app.wasm rebuilt without running precompress leaves old .br and .gz
// files beside it; sending them would serve the previous app.
func TestWasm_StaleCompressedCopiesAreNotServed(t *testing.T) {
	older := bytes.Repeat([]byte("previous build "), 4096)
	h := newHandler("dev", testFiles(t, fakeWasm, older))

	resp := get(t, h, "/web/app.wasm", "Accept-Encoding", "br, gzip")
	if got := resp.Header.Get("Content-Encoding"); got != "" {
		t.Errorf("Content-Encoding = %q, want the raw file", got)
	}
	if body := decoded(t, resp); !bytes.Equal(body, fakeWasm) {
		t.Errorf("body is not the current app.wasm")
	}
}

func TestWasm_RevalidatesWithETagPerEncoding(t *testing.T) {
	h := newHandler("dev", testFiles(t, fakeWasm, fakeWasm))
	br := get(t, h, "/web/app.wasm", "Accept-Encoding", "br")
	raw := get(t, h, "/web/app.wasm")
	if br.Header.Get("ETag") == "" || br.Header.Get("ETag") == raw.Header.Get("ETag") {
		t.Fatalf("ETags: br %q, raw %q: want distinct and set", br.Header.Get("ETag"), raw.Header.Get("ETag"))
	}
	again := get(t, h, "/web/app.wasm", "Accept-Encoding", "br", "If-None-Match", br.Header.Get("ETag"))
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", again.StatusCode)
	}
}

func TestStatic_ContentTypes(t *testing.T) {
	h := newHandler("dev", testFiles(t, fakeWasm, fakeWasm))
	cases := map[string]string{
		"/web/app.css":  "text/css; charset=utf-8",
		"/web/icon.svg": "image/svg+xml",
		"/robots.txt":   "text/plain; charset=utf-8",
	}
	for path, want := range cases {
		resp := get(t, h, path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", path, resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Type"); got != want {
			t.Errorf("GET %s: Content-Type %q, want %q", path, got, want)
		}
	}
}

func TestStatic_UnknownSourceAndCompressedFilesAre404(t *testing.T) {
	h := newHandler("dev", testFiles(t, fakeWasm, fakeWasm))
	for _, path := range []string{
		"/web/nope.css", "/web/web.go", "/web/app.wasm.gz", "/web/app.wasm.br",
		"/web/", "/web/../go.mod", "/web/./app.css", "/app.wasm", "/favicon.ico", "/sitemap.xml",
	} {
		if resp := get(t, h, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestPages_AnswerHTMLWithoutUserData(t *testing.T) {
	h := newHandler("v1.2.3", testFiles(t, fakeWasm, fakeWasm))
	for _, path := range []string{"/", "/login", "/register", "/profile", "/admin"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(&http.Cookie{Name: "__Host-access_token", Value: "secret-token-value"})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.String()

		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d", path, rec.Code)
		}
		if got := rec.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", path, got)
		}
		for _, want := range []string{`id="app-wasm-loader"`, `href="/web/app.css"`, `src="/app.js"`, `<link rel="preload" href="/web/app.wasm" as="fetch"`} {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s: page lacks %s", path, want)
			}
		}
		for _, leak := range []string{"secret-token-value", `id="account-email"`, `id="users"`} {
			if strings.Contains(body, leak) {
				t.Errorf("GET %s: page contains %s", path, leak)
			}
		}
	}
}

func TestPages_UnknownPathIsAFriendly404(t *testing.T) {
	h := newHandler("dev", testFiles(t, fakeWasm, fakeWasm))
	resp := get(t, h, "/no/such/page")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", resp.StatusCode)
	}
	if !strings.Contains(string(body), "Page not found") {
		t.Errorf("body is not the not-found page")
	}
}

func TestPages_OnlyGetAndHead(t *testing.T) {
	h := newHandler("dev", testFiles(t, fakeWasm, fakeWasm))
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/login", nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s /login: status %d, want 405", method, rec.Code)
		}
	}
}

func TestVersion_ChangesWithTheEmbeddedFiles(t *testing.T) {
	workerVersion := func(h http.Handler) string {
		body, _ := io.ReadAll(get(t, h, "/app-worker.js").Body)
		_, rest, _ := strings.Cut(string(body), `const cacheName = "app-" + "`)
		v, _, _ := strings.Cut(rest, `"`)
		return v
	}
	a := workerVersion(newHandler("dev", testFiles(t, fakeWasm, fakeWasm)))
	b := workerVersion(newHandler("dev", testFiles(t, append([]byte("rebuilt"), fakeWasm...), fakeWasm)))
	release := workerVersion(newHandler("v1.2.3", testFiles(t, fakeWasm, fakeWasm)))

	if !strings.HasPrefix(a, "dev-") || a == b {
		t.Errorf("dev versions %q and %q: want dev-<digest>, different after a rebuild", a, b)
	}
	if !strings.HasPrefix(release, "v1.2.3-") {
		t.Errorf("release version %q, want v1.2.3-<digest>", release)
	}
}

// go-app's loader shows its progress against app.wasm's decoded size,
// which every compressed response states in DecodedLengthHeader.
func TestWasm_LoaderKnowsTheDecodedSize(t *testing.T) {
	for name, files := range map[string]fstest.MapFS{
		"raw and siblings": testFiles(t, fakeWasm, fakeWasm),
		"brotli only":      brotliOnly(t, fakeWasm),
	} {
		h := newHandler("dev", files)
		body, _ := io.ReadAll(get(t, h, "/app.js").Body)
		if want := `const goappWasmContentLengthHeader = "` + DecodedLengthHeader + `"`; !strings.Contains(string(body), want) {
			t.Errorf("%s: app.js lacks %s", name, want)
		}
		for _, accept := range []string{"br", "gzip", ""} {
			resp := get(t, h, "/web/app.wasm", "Accept-Encoding", accept)
			if got := resp.Header.Get(DecodedLengthHeader); got != strconv.Itoa(len(fakeWasm)) {
				t.Errorf("%s, Accept-Encoding %q: %s = %q, want %d", name, accept, DecodedLengthHeader, got, len(fakeWasm))
			}
		}
	}
}

// brotliOnly is web/ as the build embeds it: app.wasm only as its brotli
// copy.
func brotliOnly(t *testing.T, wasm []byte) fstest.MapFS {
	files := testFiles(t, wasm, wasm)
	delete(files, "app.wasm")
	delete(files, "app.wasm.gz")
	files["app.wasm.br"] = &fstest.MapFile{Data: brotlied(t, wasm)}
	return files
}

func TestWasm_BrotliOnly_ServedInEveryEncoding(t *testing.T) {
	h := newHandler("dev", brotliOnly(t, fakeWasm))
	for accept, want := range map[string]string{"br, gzip": "br", "gzip": "gzip", "br;q=0, *": "gzip", "": "", "identity": ""} {
		for range 2 { // the gzip copy is made by the first request and kept
			resp := get(t, h, "/web/app.wasm", "Accept-Encoding", accept)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != want {
				t.Fatalf("Accept-Encoding %q: status %d, Content-Encoding %q, want 200 and %q",
					accept, resp.StatusCode, resp.Header.Get("Content-Encoding"), want)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/wasm" {
				t.Errorf("Accept-Encoding %q: Content-Type %q", accept, got)
			}
			if body := decoded(t, resp); !bytes.Equal(body, fakeWasm) {
				t.Errorf("Accept-Encoding %q: body differs from app.wasm (%d bytes)", accept, len(body))
			}
		}
	}
	// The decoded copy announces its length, as a file would.
	if resp := get(t, h, "/web/app.wasm"); resp.Header.Get("Content-Length") != strconv.Itoa(len(fakeWasm)) {
		t.Errorf("Content-Length %q, want %d", resp.Header.Get("Content-Length"), len(fakeWasm))
	}
}

func TestWasm_BrotliOnly_RangesAndRevalidation(t *testing.T) {
	h := newHandler("dev", brotliOnly(t, fakeWasm))
	resp := get(t, h, "/web/app.wasm", "Range", "bytes=50000-50099")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, fakeWasm[50000:50100]) {
		t.Errorf("Range: status %d, %d bytes, want 206 and bytes 50000-50099", resp.StatusCode, len(body))
	}
	// Several ranges would each decode again from the start: the whole
	// file is sent instead.
	resp = get(t, h, "/web/app.wasm", "Range", "bytes=-1,0-0,-1,0-0")
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || !bytes.Equal(body, fakeWasm) {
		t.Errorf("several ranges: status %d, %d bytes, want 200 and the whole file", resp.StatusCode, len(body))
	}
	raw, gz, br := get(t, h, "/web/app.wasm"), get(t, h, "/web/app.wasm", "Accept-Encoding", "gzip"), get(t, h, "/web/app.wasm", "Accept-Encoding", "br")
	etags := map[string]bool{raw.Header.Get("ETag"): true, gz.Header.Get("ETag"): true, br.Header.Get("ETag"): true}
	if len(etags) != 3 || etags[""] {
		t.Fatalf("ETags: raw %q, gzip %q, br %q: want three distinct ones", raw.Header.Get("ETag"), gz.Header.Get("ETag"), br.Header.Get("ETag"))
	}
	again := get(t, h, "/web/app.wasm", "Accept-Encoding", "gzip", "If-None-Match", gz.Header.Get("ETag"))
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", again.StatusCode)
	}
}

// A brotli copy that does not decode (a truncated embed) is an error, in
// every encoding, rather than a broken app sent with a 200.
func TestWasm_BrotliOnly_UnreadableCopyIsAnError(t *testing.T) {
	files := brotliOnly(t, fakeWasm)
	data := files["app.wasm.br"].Data
	files["app.wasm.br"].Data = data[:len(data)/2]
	h := newHandler("dev", files)
	for _, accept := range []string{"br", "gzip", ""} {
		if resp := get(t, h, "/web/app.wasm", "Accept-Encoding", accept); resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("Accept-Encoding %q: status %d, want 500", accept, resp.StatusCode)
		}
	}
}

func TestWasm_BrotliOnly_VersionFollowsTheCopy(t *testing.T) {
	version := func(files fstest.MapFS) string {
		body, _ := io.ReadAll(get(t, newHandler("dev", files), "/app-worker.js").Body)
		return string(body)
	}
	if version(brotliOnly(t, fakeWasm)) == version(brotliOnly(t, append([]byte("rebuilt"), fakeWasm...))) {
		t.Errorf("the service worker's version did not change with app.wasm.br")
	}
}

// TestWasm_ASlowLinkGetsTheWholeFile: the server's write timeout is meant
// for the API's answers; a download of app.wasm over a slow link outlasts
// it and must still arrive whole. Here the timeout is 1 s and the browser
// takes at least 2.5 s to read the file, through small socket buffers so
// that the kernel cannot take it in at once.
func TestWasm_ASlowLinkGetsTheWholeFile(t *testing.T) {
	wasm := bytes.Repeat(fakeWasm, 46) // 4.1 MB, sent as is: no compressed copy
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: newHandler("test", fstest.MapFS{"app.wasm": {Data: wasm}}), WriteTimeout: time.Second}
	go srv.Serve(smallBuffers{ln}) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })

	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			err = c.(*net.TCPConn).SetReadBuffer(32 << 10)
		}
		return c, err
	}}}
	resp, err := client.Get("http://" + ln.Addr().String() + "/web/app.wasm")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var got bytes.Buffer
	chunk := make([]byte, 64<<10)
	for {
		n, err := io.ReadFull(resp.Body, chunk)
		got.Write(chunk[:n])
		if (err == io.EOF || err == io.ErrUnexpectedEOF) && got.Len() == len(wasm) {
			break
		}
		if err != nil {
			t.Fatalf("after %d of %d bytes: %v", got.Len(), len(wasm), err)
		}
		time.Sleep(40 * time.Millisecond) // 64 KiB per 40 ms: 2.6 s for the file
	}
	if !bytes.Equal(got.Bytes(), wasm) {
		t.Fatalf("got %d bytes, want the %d of app.wasm", got.Len(), len(wasm))
	}
}

// smallBuffers gives each connection it accepts a small send buffer.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		err = c.(*net.TCPConn).SetWriteBuffer(32 << 10)
	}
	return c, err
}
