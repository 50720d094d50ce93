package apitest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// ExpectOneClientPerIPv6Network checks that a per-client limit of limit
// requests counts every address of an IPv6 /64 as one client, as the
// kit's own throttles do (a host with IPv6 draws new addresses from its
// /64 at will): limit requests from as many addresses of one /64 answer
// ok, the next answers 429 with Retry-After, and an address of another
// /64 still answers ok. serve answers one request from remoteAddr,
// calling the handler in process: the addresses are only the requests'
// RemoteAddr, and nothing is dialled.
func ExpectOneClientPerIPv6Network(t *testing.T, limit, ok int, serve func(remoteAddr string) *httptest.ResponseRecorder) {
	t.Helper()
	for i := range limit {
		if rec := serve(fmt.Sprintf("[2001:db8:1:2::%x]:4000", i+1)); rec.Code != ok {
			t.Fatalf("request %d: %d %s", i+1, rec.Code, rec.Body)
		}
	}
	rec := serve("[2001:db8:1:2::ffff]:4000")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("request %d from one /64: %d (Retry-After %q) %s", limit+1, rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if rec := serve("[2001:db8:1:3::1]:4000"); rec.Code != ok {
		t.Errorf("another /64: %d %s", rec.Code, rec.Body)
	}
}
