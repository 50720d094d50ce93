package httpapi_test

import (
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
)

type observed struct {
	route  string
	status int
}

type recordingObserver struct {
	mu   sync.Mutex
	seen []observed
}

func (o *recordingObserver) ObserveRequest(route string, status int, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, observed{route, status})
}

// TestObserver_SeesTheMatchedPatternNotThePath: the observer (metrics) is
// told the route pattern the mux matched, whatever wraps the mux.
func TestObserver_SeesTheMatchedPatternNotThePath(t *testing.T) {
	obs := &recordingObserver{}
	ts := apitest.NewServer(t, apitest.WithOptions(func(o *httpapi.Options) { o.Observer = obs }))
	ts.Browser().Do("GET", "/api/me", nil)
	ts.Browser().Do("DELETE", "/api/me/sessions/0192f0c4-secret-looking-id", nil)
	ts.Browser().Do("GET", "/api/no/such/thing", nil)
	want := []observed{
		{"GET /api/me", 401},
		{"DELETE /api/me/sessions/{id}", 401},
		{"/api/", 404},
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.seen) != len(want) {
		t.Fatalf("observed %v, want %v", obs.seen, want)
	}
	for i := range want {
		if obs.seen[i] != want[i] {
			t.Errorf("request %d observed as %v, want %v", i, obs.seen[i], want[i])
		}
	}
}
