package httpapi_test

import (
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

// BenchmarkServeMe measures the kit's own work on GET /api/me, the hot
// path, without the network: the whole handler (request log to a JSON
// slog handler, security headers, cross-origin check, routing, the token
// and session check, the cached answer) against a floor handler that
// writes the same header lines and body. The difference is what the kit
// adds to each request; make bench measures the same over real HTTP,
// where net/http's own work dilutes it.
func BenchmarkServeMe(b *testing.B) {
	ts := apitest.NewServer(b, apitest.WithOptions(func(o *httpapi.Options) {
		o.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}))
	ts.TokenClient().Register("bench@example.com", "Bench")
	access := ts.Tokens("bench@example.com", "correct horse battery staple").Access

	request := func(name, value string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/api/me", nil)
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set(name, value)
		return r
	}
	bearer := request("Authorization", "Bearer "+access)
	cookie := request("Cookie", shared.HostCookiePrefix+shared.AccessCookie+"="+access)

	answer := httptest.NewRecorder()
	ts.API.ServeHTTP(answer, bearer)
	if answer.Code != http.StatusOK {
		b.Fatalf("GET /api/me: %d %s", answer.Code, answer.Body)
	}
	header, body := answer.Header(), answer.Body.Bytes()
	floor := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		maps.Copy(w.Header(), header)
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})

	for _, c := range []struct {
		name    string
		handler http.Handler
		req     *http.Request
	}{
		{"floor", floor, bearer},
		{"bearer", ts.API, bearer},
		{"cookie", ts.API, cookie},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			w := &discardWriter{header: http.Header{}}
			for b.Loop() {
				clear(w.header)
				c.handler.ServeHTTP(w, c.req)
			}
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		})
	}
}

// discardWriter is a ResponseWriter that keeps nothing but the status,
// so the benchmark measures the handler rather than a recorder.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
