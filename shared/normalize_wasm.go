//go:build js && wasm

package shared

import (
	"strings"
	"syscall/js"
	"unicode/utf8"
)

// toNFC puts s in Unicode Normalization Form C with the browser's
// String.prototype.normalize. golang.org/x/text's tables would add about
// 140 KB to app.wasm for a form hint: the server normalises again with
// them, and its answer is the one stored and shown.
func toNFC(s string) string {
	switch {
	case isASCII(s):
		return s // already NFC, no call into JavaScript needed
	case !utf8.ValidString(s):
		return s // JavaScript would replace the bad bytes; ValidateName refuses them
	}
	// syscall/js hands strings over through TextDecoder, which drops a
	// leading byte-order mark; keep it aside (U+FEFF composes with
	// nothing), so ValidateName still sees and refuses it.
	if rest, ok := strings.CutPrefix(s, "\uFEFF"); ok {
		return "\uFEFF" + toNFC(rest)
	}
	return stringNormalize.Call("call", s, "NFC").String()
}

// stringNormalize is String.prototype.normalize: syscall/js calls methods
// on objects only, and a Go string becomes a primitive JavaScript string.
var stringNormalize = js.Global().Get("String").Get("prototype").Get("normalize")

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
