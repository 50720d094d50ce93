//go:build js && wasm

package shared

import "syscall/js"

// toNFC puts s in Unicode Normalization Form C with the browser's
// String.prototype.normalize. golang.org/x/text's tables would add about
// 140 KB to app.wasm for a form hint: the server normalises again with
// them, and its answer is the one stored and shown.
func toNFC(s string) string { return js.ValueOf(s).Call("normalize", "NFC").String() }
