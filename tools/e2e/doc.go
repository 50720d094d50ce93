// Package e2e holds the browser tests: the real authkit binary, driven
// through headless Chromium (browser_test.go). It has no code of its own.
package e2e
