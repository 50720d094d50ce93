package main

// The frontend's figures: how many bytes a browser downloads for the app
// (raw, gzip and brotli app.wasm) and how long headless Chromium takes from
// navigation to the first page rendered by the app (go-app removes its
// loader element, #app-wasm-loader, once the wasm has taken over).

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/chromedp/chromedp"
)

// frontendFigures are the frontend rows of the report. A figure that could
// not be measured has its Skipped reason set.
type frontendFigures struct {
	WasmRaw    figure `json:"wasm_raw_bytes"`
	WasmGzip   figure `json:"wasm_gzip_bytes"`
	WasmBrotli figure `json:"wasm_brotli_bytes"`
	FirstPage  figure `json:"first_render_cold_ms"`
	Reload     figure `json:"first_render_reload_ms"`
}

type figure struct {
	Value   float64 `json:"value,omitempty"`
	Note    string  `json:"note,omitempty"`
	Skipped string  `json:"skipped,omitempty"`
}

func measureFrontend(ctx context.Context, srv *server, webDir, chromium string) frontendFigures {
	var f frontendFigures
	f.WasmRaw, f.WasmGzip, f.WasmBrotli = wasmSizes(filepath.Join(webDir, "app.wasm"))
	f.FirstPage, f.Reload = firstRender(ctx, srv, chromium)
	return f
}

// wasmSizes reads the sizes of app.wasm and of the compressed copies that
// `make wasm` writes beside it (what browsers download), compressing
// in memory when a copy is missing or older than app.wasm.
func wasmSizes(path string) (raw, gz, br figure) {
	info, err := os.Stat(path)
	if err != nil {
		s := figure{Skipped: "no " + path + " (run make wasm)"}
		return s, s, s
	}
	raw = figure{Value: float64(info.Size())}
	fresh := func(p string) (int64, bool) {
		ci, err := os.Stat(p)
		if err != nil {
			return 0, false
		}
		return ci.Size(), !ci.ModTime().Before(info.ModTime())
	}
	var data []byte
	load := func() []byte {
		if data == nil {
			data, _ = os.ReadFile(path)
		}
		return data
	}
	if n, ok := fresh(path + ".gz"); ok {
		gz = figure{Value: float64(n), Note: "gzip -9, " + filepath.Base(path) + ".gz"}
	} else {
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		w.Write(load())
		w.Close()
		gz = figure{Value: float64(b.Len()), Note: "gzip -9, compressed now"}
	}
	if n, ok := fresh(path + ".br"); ok {
		br = figure{Value: float64(n), Note: "brotli -q 11, " + filepath.Base(path) + ".br"}
	} else {
		// Quality 11 takes over half a minute on 13 MB; 9 is within 15%.
		var b bytes.Buffer
		w := brotli.NewWriterOptions(&b, brotli.WriterOptions{Quality: 9, LGWin: 24})
		w.Write(load())
		w.Close()
		br = figure{Value: float64(b.Len()), Note: "brotli -q 9, compressed now (make wasm writes -q 11)"}
	}
	return raw, gz, br
}

// firstRender loads the app in a fresh headless Chromium profile and
// times navigation to the removal of #app-wasm-loader; then it times a
// reload, when the service worker serves the app from its cache.
func firstRender(ctx context.Context, srv *server, chromium string) (cold, reload figure) {
	skip := func(why string) (figure, figure) { return figure{Skipped: why}, figure{Skipped: why} }
	if _, err := os.Stat(chromium); err != nil {
		return skip("no Chromium at " + chromium)
	}
	resp, err := http.Head(srv.URL + "/web/app.wasm")
	if err != nil {
		return skip(err.Error())
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return skip("the server has no app.wasm (build it with make wasm, then the binary)")
	}
	profile, err := os.MkdirTemp("", "authkit-bench-chromium-")
	if err != nil {
		return skip(err.Error())
	}
	defer removeAllRetry(profile)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.UserDataDir(profile),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil { // start the browser: not timed
		return skip("starting Chromium: " + err.Error())
	}
	timed := func(first chromedp.Action[chromedp.Void]) figure {
		start := time.Now()
		err := chromedp.Do(browser, first, chromedp.WaitNotPresent(chromedp.ID("app-wasm-loader")))
		if err != nil {
			return figure{Skipped: err.Error()}
		}
		return figure{Value: ms(time.Since(start))}
	}
	cold = timed(chromedp.Navigate(srv.URL + "/"))
	cold.Note = "fresh profile: downloads and compiles app.wasm"
	reload = timed(chromedp.Reload())
	reload.Note = "reload: app.wasm from the service worker's cache"
	return cold, reload
}

// removeAllRetry removes a Chromium profile, whose child processes may
// still write to it for a moment after the browser stops.
func removeAllRetry(dir string) {
	for range 50 {
		if os.RemoveAll(dir) == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func mb(bytes float64) string { return fmt.Sprintf("%.1f MB", bytes/1e6) }
