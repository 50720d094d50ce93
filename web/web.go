// Package web holds the browser app's static files: the stylesheet, the
// icons and the WebAssembly build (app.wasm and its pre-compressed copies,
// which `make wasm` writes here and git ignores). They are embedded so the
// server ships as one binary; server/webui serves them under /web/.
package web

import "embed"

// FS is the directory's files. The pattern is "*" rather than a list so the
// package compiles before app.wasm has been built; it also picks up this
// source file, which server/webui refuses to serve.
//
//go:embed *
var FS embed.FS
