//go:build js && wasm

package app

import (
	"context"
	"errors"
	"net/http"
	"syscall/js"
)

// browserSender sends the client's requests with the browser's fetch().
//
// net/http's own client would do the same in the browser, but linking it
// links its whole native transport as well (dialing, TLS, X.509, HTTP/2),
// which it keeps as a fallback: about 5 MB of app.wasm, a third of the
// download, that no browser ever runs. The API speaks small JSON bodies,
// so each answer is read whole (arrayBuffer) rather than streamed.
func browserSender() Sender { return fetchSender{} }

type fetchSender struct{}

// Send sends req with fetch(), cookies included for the page's own origin
// (credentials: same-origin), and aborts it when ctx ends.
func (fetchSender) Send(ctx context.Context, req *Request) (*Response, error) {
	opts := js.Global().Get("Object").New()
	opts.Set("method", req.Method)
	opts.Set("credentials", "same-origin")
	headers := js.Global().Get("Headers").New()
	for name, values := range req.Header {
		for _, v := range values {
			headers.Call("append", name, v)
		}
	}
	opts.Set("headers", headers)
	if len(req.Body) > 0 {
		buf := js.Global().Get("Uint8Array").New(len(req.Body))
		js.CopyBytesToJS(buf, req.Body)
		opts.Set("body", buf)
	}
	abort := js.Global().Get("AbortController").New()
	opts.Set("signal", abort.Get("signal"))

	// The answer: status and headers first, then the body. Both steps are
	// promises; their callbacks hand the result to this goroutine.
	answer, err := await(ctx, abort, js.Global().Call("fetch", req.URL, opts))
	if err != nil {
		return nil, err
	}
	buf, err := await(ctx, abort, answer.Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	body := make([]byte, buf.Get("byteLength").Int())
	js.CopyBytesToGo(body, js.Global().Get("Uint8Array").New(buf))

	header := http.Header{}
	entries := answer.Get("headers").Call("entries")
	for next := entries.Call("next"); !next.Get("done").Bool(); next = entries.Call("next") {
		pair := next.Get("value")
		header.Add(pair.Index(0).String(), pair.Index(1).String())
	}
	return &Response{StatusCode: answer.Get("status").Int(), Header: header, Body: body}, nil
}

// await waits for promise to settle, or for ctx to end, which aborts the
// fetch.
func await(ctx context.Context, abort, promise js.Value) (js.Value, error) {
	type settled struct {
		value js.Value
		err   error
	}
	done := make(chan settled, 1)
	onValue := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- settled{value: args[0]}
		return nil
	})
	defer onValue.Release()
	onError := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- settled{err: errors.New("fetch: " + args[0].Call("toString").String())}
		return nil
	})
	defer onError.Release()
	promise.Call("then", onValue, onError)

	select {
	case s := <-done:
		return s.value, s.err
	case <-ctx.Done():
		abort.Call("abort")
		<-done // the promise rejects once aborted; its callbacks must run before they are released
		return js.Value{}, ctx.Err()
	}
}
