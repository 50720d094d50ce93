//go:build !(js && wasm)

package app

import "net/http"

// browserSender is net/http's client outside the browser (the server's
// prerendering never sends requests; tests build their own clients).
func browserSender() Sender { return HTTPSender(http.DefaultClient) }
