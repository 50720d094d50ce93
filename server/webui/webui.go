// Package webui serves the browser app: go-app's pages, prerendered on the
// server without any user data, go-app's scripts and manifest, and the
// files of web/ (stylesheet, icons, app.wasm) under /web/.
//
// The server mounts it for every path the API does not claim. Security
// headers (the pages' Content-Security-Policy among them) are the API's
// to set, for pages and API alike: see server/httpapi/headers.go.
package webui

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/web"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// goappFiles are the paths go-app answers itself, besides pages.
var goappFiles = map[string]bool{
	"/app.js": true, "/goapp.js": true, "/wasm_exec.js": true, "/app-worker.js": true,
	"/manifest.webmanifest": true, "/manifest.json": true, "/app.css": true,
}

// Handler returns the browser app's handler, its pages the core's and the
// modules'. version names the release; it keys the service worker's cache,
// so browsers fetch a new app.wasm exactly when it changes (see
// releaseVersion).
func Handler(version string, modules ...app.Module) http.Handler {
	return newHandler(version, web.FS, modules...)
}

func newHandler(version string, files fs.FS, modules ...app.Module) http.Handler {
	app.Routes(modules...)
	static := newAssets(files)
	return &handler{
		static: static,
		pages: &goapp.Handler{
			Name:        "authkit",
			ShortName:   "authkit",
			Title:       "authkit",
			Description: "Sign up, log in and manage your sessions.",
			Author:      "authkit",
			Icon: goapp.Icon{
				Default:  "/web/icon.png",
				Large:    "/web/icon-512.png",
				Maskable: "/web/icon-512.png",
				SVG:      "/web/icon.svg",
			},
			BackgroundColor:    "#f6f7f9",
			ThemeColor:         "#1d4ed8",
			LoadingLabel:       "Loading… {progress}%",
			Styles:             []string{"/web/app.css"},
			CacheableResources: []string{"/web/icon.svg"},
			Version:            releaseVersion(version, static.digest),
			// app.wasm travels compressed, so the Content-Length header
			// cannot drive the loading progress; the decoded size can.
			WasmContentLengthHeader: DecodedLengthHeader,
			Resources:               webResources{},
			RawHeaders:              []string{wasmPreload},
		},
	}
}

// wasmPreload starts the app.wasm download while the page's head is
// parsed. go-app's loader (app.js, a deferred script) asks for it only
// after the whole document and both scripts are in, over a second later
// on a busy machine. The fetch that app.js makes matches this preload
// (same URL, CORS mode, same-origin credentials), so the browser hands it
// the preloaded response, compiling it as it arrives, rather than
// downloading it twice.
const wasmPreload = `<link rel="preload" href="/web/app.wasm" as="fetch" type="application/wasm" crossorigin="anonymous">`

// releaseVersion is the version go-app gives the service worker. The
// build's version alone is not enough: "dev" never changes, and a dirty
// tree's "abc123-dirty" stays the same across rebuilds. The digest of the
// embedded files changes with every rebuilt app.wasm or edited stylesheet.
func releaseVersion(version, digest string) string {
	if version == "" {
		version = "dev"
	}
	if digest == "" {
		return version
	}
	return version + "-" + digest[:12]
}

type handler struct {
	pages  *goapp.Handler
	static *assets
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch path := r.URL.Path; {
	case strings.HasPrefix(path, "/web/"):
		h.static.serve(w, r, strings.TrimPrefix(path, "/web/"))
	case path == "/robots.txt":
		h.static.serve(w, r, "robots.txt")
	case goappFiles[path]:
		h.pages.ServeHTTP(w, r)
	case strings.HasPrefix(path, "/api/") || strings.Contains(path, ".") && !app.IsPage(path):
		// Not the API's (it is mounted elsewhere) and not a page: a
		// missing file gets a plain 404, not the not-found page.
		http.NotFound(w, r)
	default:
		h.servePage(w, r)
	}
}

// servePage answers with go-app's prerendered page: the page itself for
// the app's routes, and the not-found page with status 404 for any other
// path.
func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	// The browser asks for app.wasm next (the page preloads it), so start
	// decoding the brotli-only files now, rather than on that request.
	h.static.decodeAhead()
	h.pages.ServeHTTP(&pageWriter{ResponseWriter: w, notFound: !app.IsPage(r.URL.Path)}, r)
}

// pageWriter adjusts go-app's page responses: it names the charset, turns
// the not-found page's 200 into a 404, and types a revalidation's 304 as
// the page it stands for, so the security headers chosen by content type
// (httpapi's page policy: the CSP, Referrer-Policy) are the page's. A
// browser copies a 304's headers onto the page it has stored: go-app's
// untyped 304 gave the page the CSP of a non-page answer, without its
// script-src or connect-src. (net/http sends no Content-Type on a 304.)
type pageWriter struct {
	http.ResponseWriter
	notFound    bool
	wroteHeader bool
}

func (w *pageWriter) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	if ct := w.Header().Get("Content-Type"); ct == "text/html" || (ct == "" && status == http.StatusNotModified) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	if w.notFound && status == http.StatusOK {
		status = http.StatusNotFound
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *pageWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// webResources tells go-app that static files live under /web/ on this
// origin. Unlike go-app's LocalDir, it is not an http.Handler, so go-app
// never serves files from the working directory; /web/ is served from the
// embedded files instead.
type webResources struct{}

func (webResources) Resolve(location string) string {
	switch {
	case location == "" || location == "/":
		return "/"
	case strings.HasPrefix(location, "https://") || strings.HasPrefix(location, "http://"):
		return location
	case location == "/web" || location == "web" ||
		strings.HasPrefix(location, "/web/") || strings.HasPrefix(location, "web/"):
		return "/" + strings.Trim(location, "/")
	default:
		return location
	}
}
