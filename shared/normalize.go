//go:build !(js && wasm)

package shared

import "golang.org/x/text/unicode/norm"

// toNFC puts s in Unicode Normalization Form C. The server's copy decides
// what is stored; see normalize_wasm.go for the browser's.
func toNFC(s string) string { return norm.NFC.String(s) }
