// Package web holds the browser app's static files: the stylesheet, the
// icons and the WebAssembly build, as app.wasm.br only (`make build`
// compiles bin/app.wasm and compresses it here; git ignores it). They are
// embedded so the server ships as one binary; server/webui serves them
// under /web/, app.wasm in any encoding.
package web

import "embed"

// FS is the directory's files. The pattern is "*" rather than a list so the
// package compiles before app.wasm has been built; it also picks up this
// source file, which server/webui refuses to serve.
//
//go:embed *
var FS embed.FS
