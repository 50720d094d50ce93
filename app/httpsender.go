package app

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/authkit/authkit/shared"
)

// HTTPSender sends the client's requests with hc: for tests and programs
// that use the client outside the browser. (app.wasm never calls it, so
// the linker leaves net/http's client out of it.)
func HTTPSender(hc *http.Client) Sender { return httpSender{hc} }

type httpSender struct{ hc *http.Client }

func (s httpSender) Send(ctx context.Context, r *Request) (*Response, error) {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, body)
	if err != nil {
		return nil, err
	}
	for name, values := range r.Header {
		req.Header[name] = values
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, shared.MaxBodyBytes))
	if err != nil {
		return nil, err
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: data}, nil
}
