// Package devtools holds the repository's developer tooling, none of which
// goes into the binary: dev.sh, the watcher behind `make dev`, and the
// test of `make rename`, which renames the Go module of a fork.
package devtools
