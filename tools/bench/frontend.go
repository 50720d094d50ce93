package main

// The frontend's figures: how many bytes a browser downloads for the app
// (raw, gzip and brotli app.wasm) and how long headless Chromium takes from
// navigation to the first page rendered by the app (go-app removes its
// loader element, #app-wasm-loader, once the wasm has taken over).

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
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

	// Where the cold visit's time goes, by the page's own clock (ms since
	// navigation start): the page's HTML received, app.wasm requested and
	// received (it
	// compiles while it downloads), and the app taking over (the loader
	// removed, once the Go program has started and rendered).
	ColdHTML      figure `json:"first_render_cold_html_ms"`
	ColdWasmAsked figure `json:"first_render_cold_wasm_asked_ms"`
	ColdWasm      figure `json:"first_render_cold_wasm_ms"`
	ColdTakeover  figure `json:"first_render_cold_takeover_ms"`
}

type figure struct {
	Value   float64 `json:"value,omitempty"`
	Note    string  `json:"note,omitempty"`
	Skipped string  `json:"skipped,omitempty"`
}

func measureFrontend(ctx context.Context, srv *server, chromium string) frontendFigures {
	var f frontendFigures
	f.WasmRaw, f.WasmGzip, f.WasmBrotli = wasmSizes(srv)
	f.FirstPage, f.Reload, f.ColdHTML, f.ColdWasmAsked, f.ColdWasm, f.ColdTakeover = firstRender(ctx, srv, chromium)
	return f
}

// wasmSizes asks the server for app.wasm in each encoding and counts the
// bytes it sends: brotli (what browsers get), gzip (browsers not offered
// brotli: Chromium over plain http to a host other than localhost) and
// none.
func wasmSizes(srv *server) (raw, gz, br figure) {
	// A transport of its own, so Go's client neither asks for gzip nor
	// decodes it: the sizes are those on the wire.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	size := func(acceptEncoding, note string) figure {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/web/app.wasm", nil)
		if err != nil {
			return figure{Skipped: err.Error()}
		}
		req.Header.Set("Accept-Encoding", acceptEncoding)
		resp, err := client.Do(req)
		if err != nil {
			return figure{Skipped: err.Error()}
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		switch {
		case err != nil:
			return figure{Skipped: err.Error()}
		case resp.StatusCode != http.StatusOK:
			return figure{Skipped: fmt.Sprintf("status %d (run make build)", resp.StatusCode)}
		case resp.Header.Get("Content-Encoding") != acceptEncoding && acceptEncoding != "identity":
			return figure{Skipped: "the server sent " + resp.Header.Get("Content-Encoding")}
		}
		return figure{Value: float64(n), Note: note}
	}
	return size("identity", "stripped (-s -w)"),
		size("gzip", "made by the server from the brotli copy, for browsers without brotli"),
		size("br", "brotli, at the build's quality (make release: 11)")
}

// firstRender loads the login page in a fresh headless Chromium profile
// and times navigation to the removal of #app-wasm-loader, with the
// phases of that visit; then it times a reload, when the service worker
// serves the app from its cache.
func firstRender(ctx context.Context, srv *server, chromium string) (cold, reload, html, asked, wasm, takeover figure) {
	skip := func(why string) (figure, figure, figure, figure, figure, figure) {
		s := figure{Skipped: why}
		return s, s, s, s, s, s
	}
	if _, err := os.Stat(chromium); err != nil {
		return skip("no Chromium at " + chromium)
	}
	resp, err := http.Head(srv.URL + "/web/app.wasm")
	if err != nil {
		return skip(err.Error())
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return skip("the server has no app.wasm (build it with make build)")
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
	// Start the browser (not timed) with the probe that notes, in each
	// document, when the loader goes.
	if err := chromedp.Do(browser, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: takeoverProbe})
		return err
	})); err != nil {
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
	cold = timed(chromedp.Navigate(srv.URL + "/login"))
	cold.Note = "fresh profile: downloads and compiles app.wasm"
	phases, err := chromedp.Run(browser, chromedp.Evaluate[coldPhases](coldPhasesScript))
	if err != nil {
		s := figure{Skipped: err.Error()}
		html, asked, wasm, takeover = s, s, s, s
	} else {
		html = figure{Value: phases.HTML, Note: "page's clock, from navigation start"}
		asked = figure{Value: phases.WasmAsked}
		wasm = figure{Value: phases.Wasm, Note: fmt.Sprintf("%s on the wire, compiled while it downloads", phases.WasmEncoding)}
		takeover = figure{Value: phases.Takeover, Note: "the Go program started and rendered"}
	}
	reload = timed(chromedp.Reload())
	reload.Note = "reload: app.wasm from the service worker's cache"
	return cold, reload, html, asked, wasm, takeover
}

// takeoverProbe runs first in each document and notes the moment
// go-app's loader element leaves the page.
const takeoverProbe = `new MutationObserver((_, observer) => {
	if (document.readyState !== "loading" && !document.getElementById("app-wasm-loader")) {
		window.__authkitTakeover = performance.now();
		observer.disconnect();
	}
}).observe(document, {childList: true, subtree: true});`

type coldPhases struct {
	HTML         float64 `json:"html"`
	WasmAsked    float64 `json:"wasmAsked"`
	Wasm         float64 `json:"wasm"`
	WasmEncoding string  `json:"wasmEncoding"`
	Takeover     float64 `json:"takeover"`
}

const coldPhasesScript = `(() => {
	const nav = performance.getEntriesByType("navigation")[0];
	const wasm = performance.getEntriesByType("resource").find(e => e.name.endsWith("/web/app.wasm"));
	return {
		html: nav ? nav.responseEnd : 0,
		wasmAsked: wasm ? wasm.startTime : 0,
		wasm: wasm ? wasm.responseEnd : 0,
		wasmEncoding: wasm ? (wasm.encodedBodySize / 1e6).toFixed(2) + " MB" : "?",
		takeover: window.__authkitTakeover || 0,
	};
})()`

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
