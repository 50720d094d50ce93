// Package devtools holds the repository's developer tooling, none of which
// goes into the binary: dev.sh, the watcher behind `make dev`; the test of
// `make rename`, which renames the Go module of a fork; and the tests that
// follow the guides in docs/ (adding a module, deleting the notes example)
// on a copy of the repository, so the guides stay true.
package devtools
