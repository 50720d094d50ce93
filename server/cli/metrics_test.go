package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun/migrate"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/shared"
)

// TestServe_MetricsOnTheirOwnListener starts the real server with
// --metrics-addr and scrapes it around a few requests: each metric the
// README promises is there, the counters move by what was done, routes
// are labelled by pattern (never by raw path), and the public listener
// does not serve them.
func TestServe_MetricsOnTheirOwnListener(t *testing.T) {
	db := filepath.Join(t.TempDir(), "authkit.db")
	base, _, logs := startServe(t, db, "--metrics-addr", "127.0.0.1:0", "--login-throttle", "1")
	metricsURL := "http://" + logField(t, logs.String(), "metrics listening", "addr") + "/metrics"

	before := scrape(t, metricsURL)
	for _, name := range []string{
		`authkit_build_info{version="test"}`,
		`authkit_logins_total{outcome="ok"}`, `authkit_logins_total{outcome="failed"}`, `authkit_logins_total{outcome="throttled"}`,
		`authkit_token_refreshes_total{outcome="rotated"}`, `authkit_token_refreshes_total{outcome="raced"}`,
		`authkit_token_refreshes_total{outcome="reuse_detected"}`, `authkit_token_refreshes_total{outcome="refused"}`,
		`authkit_token_refreshes_total{outcome="missing"}`,
		`authkit_sessions_live`, `authkit_mail_queue_depth`, `authkit_mail_queue_capacity`, `authkit_mail_sent_total`,
		`authkit_mail_send_failures_total`, `authkit_mail_dropped_total{reason="queue_full"}`, `authkit_mail_dropped_total{reason="gave_up"}`,
		`go_sql_open_connections{db_name="authkit"}`, `go_sql_wait_count_total{db_name="authkit"}`,
		`go_goroutines`, `go_gc_duration_seconds_count`, `process_resident_memory_bytes`,
	} {
		if _, ok := before[name]; !ok {
			t.Errorf("no %s in the first scrape", name)
		}
	}

	post := func(path, body string, want int) *http.Response {
		t.Helper()
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != want {
			t.Fatalf("POST %s: %v %v, want %d", path, resp.Status, err, want)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	post("/api/auth/register", `{"email":"ann@example.com","password":"correct horse battery","name":"Ann"}`, 201)
	var pair shared.TokenPair
	json.NewDecoder(post("/api/token", `{"email":"ann@example.com","password":"correct horse battery"}`, 200).Body).Decode(&pair)
	post("/api/token", `{"email":"ann@example.com","password":"wrong horse battery"}`, 401)
	post("/api/token", `{"email":"ann@example.com","password":"wrong horse battery"}`, 429)
	post("/api/token/refresh", `{"refresh":"`+pair.Refresh+`"}`, 200)
	post("/api/token/refresh", `{"refresh":"`+pair.Refresh+`"}`, 401) // spent: reuse
	post("/api/auth/refresh", "", 401)                                // no refresh cookie: missing, not refused
	for range 3 {
		req, _ := http.NewRequest("GET", base+"/api/me", nil)
		req.Header.Set("Authorization", "Bearer "+pair.Access)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close() // 401 by now: the reuse revoked the session
	}
	for _, path := range []string{"/api/no/such/endpoint-7f3a", "/api//me"} { // unknown; unclean, answered as unknown
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	// The confirmation mail goes out in the background.
	var after map[string]float64
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		after = scrape(t, metricsURL)
		if after["authkit_mail_sent_total"] >= 1 || time.Now().After(deadline) {
			break
		}
	}
	moved := map[string]float64{
		`authkit_http_requests_total{route="POST /api/auth/register",status_class="2xx"}`:                1,
		`authkit_http_requests_total{route="POST /api/token",status_class="2xx"}`:                        1,
		`authkit_http_requests_total{route="POST /api/token",status_class="4xx"}`:                        2,
		`authkit_http_requests_total{route="POST /api/token/refresh",status_class="4xx"}`:                1,
		`authkit_http_requests_total{route="GET /api/me",status_class="4xx"}`:                            3,
		`authkit_http_requests_total{route="/api/",status_class="4xx"}`:                                  2,
		`authkit_http_request_duration_seconds_count{route="GET /api/me",status_class="4xx"}`:            3,
		`authkit_http_request_duration_seconds_bucket{route="GET /api/me",status_class="4xx",le="+Inf"}`: 3,
		`authkit_logins_total{outcome="ok"}`:                                                             1,
		`authkit_logins_total{outcome="failed"}`:                                                         1,
		`authkit_logins_total{outcome="throttled"}`:                                                      1,
		`authkit_token_refreshes_total{outcome="rotated"}`:                                               1,
		`authkit_token_refreshes_total{outcome="reuse_detected"}`:                                        1,
		`authkit_token_refreshes_total{outcome="missing"}`:                                               1,
		`authkit_token_refreshes_total{outcome="refused"}`:                                               0,
		`authkit_mail_sent_total`:                                                                        1,
	}
	for name, by := range moved {
		if got := after[name] - before[name]; got != by {
			t.Errorf("%s moved by %v, want %v", name, got, by)
		}
	}
	for series := range after {
		if strings.Contains(series, "endpoint-7f3a") {
			t.Errorf("a raw path became a label: %s", series)
		}
	}

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "authkit_http_requests_total") {
		t.Error("the public listener serves the metrics")
	}
}

// TestServe_MetricsListenerBoundsClientsAsThePublicOneDoes: the
// metrics listener is a server like the public one, with its bounds on
// clients: a header past 64 KiB is refused (431) on both, as are idle
// and slow connections held open (the same server settings; their
// minutes-long timeouts are too slow to wait for here).
func TestServe_MetricsListenerBoundsClientsAsThePublicOneDoes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "authkit.db")
	base, _, logs := startServe(t, db, "--metrics-addr", "127.0.0.1:0")
	metricsURL := "http://" + logField(t, logs.String(), "metrics listening", "addr") + "/metrics"
	for _, url := range []string{base + "/healthz", metricsURL} {
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Padding", strings.Repeat("a", 100<<10))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("GET %s with a 100 KiB header: %s, want 431", url, resp.Status)
		}
	}
}

// scrape reads a Prometheus text exposition into series → value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("scrape: %v %v", resp, err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("scrape: line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// logField returns a field of the first JSON log line with msg.
func logField(t *testing.T, log, msg, field string) string {
	t.Helper()
	for line := range strings.Lines(log) {
		var v map[string]any
		if json.Unmarshal([]byte(line), &v) == nil && v["msg"] == msg {
			return fmt.Sprint(v[field])
		}
	}
	t.Fatalf("no %q line in the log:\n%s", msg, log)
	return ""
}

// oddAnswers is a module whose routes answer the way a fork's might:
// with an informational response (103 Early Hints) before the real one,
// with a panic before or after the response has begun, with
// http.ErrAbortHandler,
// with any status (101 Switching Protocols, a redirect, 600).
type oddAnswers struct{}

func (oddAnswers) Name() string                    { return "odd" }
func (oddAnswers) Migrations() *migrate.Migrations { return nil }
func (oddAnswers) Mount(*httpapi.Kit) ([]httpapi.Route, error) {
	return []httpapi.Route{
		{Pattern: "GET /api/odd/hints", Response: "", Handler: func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Link", "</app.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			httpapi.WriteJSON(w, http.StatusOK, "ok")
			return nil
		}},
		{Pattern: "GET /api/odd/late-panic", Response: "", Handler: func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, "[1,") //nolint:errcheck
			panic("the second half failed")
		}},
		{Pattern: "GET /api/odd/abort", Response: "", Handler: func(w http.ResponseWriter, r *http.Request) error {
			panic(http.ErrAbortHandler)
		}},
		{Pattern: "GET /api/odd/early-panic", Response: "", Handler: func(w http.ResponseWriter, r *http.Request) error {
			http.SetCookie(w, &http.Cookie{Name: "half_made", Value: "secret", Path: "/", HttpOnly: true})
			h := w.Header()
			h.Set("Location", "/elsewhere")
			h.Set("Content-Length", "5")
			h.Set("Content-Encoding", "gzip")
			h.Set("Cache-Control", "public, max-age=86400")
			panic("failed before answering")
		}},
		{Pattern: "GET /api/odd/status/{code}", Response: "", Handler: func(w http.ResponseWriter, r *http.Request) error {
			code, err := strconv.Atoi(r.PathValue("code"))
			if err != nil {
				return err
			}
			w.WriteHeader(code)
			return nil
		}},
	}, nil
}

// TestServe_CutOffResponsesAreLoggedAndCounted: a panic after the
// response has begun cuts it off (not a 200 with an error body glued
// on), and a response cut off that way or by http.ErrAbortHandler is
// still a request line and a request in the metrics, as the 500 it is.
func TestServe_CutOffResponsesAreLoggedAndCounted(t *testing.T) {
	db := filepath.Join(t.TempDir(), "authkit.db")
	base, stop, logs := startServeWith(t, db, []httpapi.Module{oddAnswers{}}, nil, "--metrics-addr", "127.0.0.1:0")
	metricsURL := "http://" + logField(t, logs.String(), "metrics listening", "addr") + "/metrics"

	for _, path := range []string{"/api/odd/late-panic", "/api/odd/abort"} {
		resp, err := http.Get(base + path)
		if err == nil {
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				t.Errorf("GET %s: a whole answer, %s %q; want it cut off", path, resp.Status, body)
			}
		}
	}
	after := scrape(t, metricsURL)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, route := range []string{"GET /api/odd/late-panic", "GET /api/odd/abort"} {
		if got := after[`authkit_http_requests_total{route="`+route+`",status_class="5xx"}`]; got != 1 {
			t.Errorf("%s: %v in 5xx, want 1", route, got)
		}
	}
	for _, path := range []string{"/api/odd/late-panic", "/api/odd/abort"} {
		if got := requestLineField(t, logs.String(), path, "status"); got != "500" {
			t.Errorf("%s: the request line's status is %s, want 500", path, got)
		}
		if got := requestLineField(t, logs.String(), path, "level"); got != "ERROR" {
			t.Errorf("%s: the request line's level is %s, want ERROR", path, got)
		}
	}
}

// TestServe_APanicBeforeTheAnswerIsA500OfItsOwn: a handler that panics
// before it writes becomes the JSON 500, with none of the headers it had
// set: no cookie it was about to give, no redirect, no Content-Length or
// Content-Encoding the error body does not have, no cache lifetime. The
// security headers every response carries stay.
func TestServe_APanicBeforeTheAnswerIsA500OfItsOwn(t *testing.T) {
	db := filepath.Join(t.TempDir(), "authkit.db")
	base, stop, _ := startServeWith(t, db, []httpapi.Module{oddAnswers{}}, nil)
	defer stop() //nolint:errcheck

	resp, err := http.Get(base + "/api/odd/early-panic")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading the 500: %v (body so far %q)", err, body)
	}
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", resp.StatusCode)
	}
	var e shared.ErrorBody
	if err := json.Unmarshal(body, &e); err != nil || e.Error == nil || e.Error.Code != shared.CodeInternal {
		t.Errorf("body = %q (%v), want the JSON error %q", body, err, shared.CodeInternal)
	}
	for _, name := range []string{"Set-Cookie", "Location", "Content-Encoding"} {
		if v := resp.Header.Values(name); len(v) != 0 {
			t.Errorf("%s: %q survived the panic", name, v)
		}
	}
	want := map[string]string{"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Content-Type": "application/json"}
	for name, v := range want {
		if got := resp.Header.Get(name); !strings.HasPrefix(got, v) {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
}

// TestServe_InformationalResponseIsNotTheStatus: a 103 Early Hints sent
// before the answer is not the answer: the request line and the metrics
// have the final status (200), not 103.
func TestServe_InformationalResponseIsNotTheStatus(t *testing.T) {
	db := filepath.Join(t.TempDir(), "authkit.db")
	base, stop, logs := startServeWith(t, db, []httpapi.Module{oddAnswers{}}, nil, "--metrics-addr", "127.0.0.1:0")
	metricsURL := "http://" + logField(t, logs.String(), "metrics listening", "addr") + "/metrics"

	resp, err := http.Get(base + "/api/odd/hints")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/odd/hints: %s", resp.Status)
	}
	after := scrape(t, metricsURL)
	if got := after[`authkit_http_requests_total{route="GET /api/odd/hints",status_class="2xx"}`]; got != 1 {
		t.Errorf("2xx count %v, want 1; series: %v", got, after[`authkit_http_requests_total{route="GET /api/odd/hints",status_class="1xx"}`])
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got := requestLineField(t, logs.String(), "/api/odd/hints", "status"); got != "200" {
		t.Errorf("the request line's status is %s, want 200", got)
	}
}

// requestLineField returns a field of the JSON request line for path.
func requestLineField(t *testing.T, log, path, field string) string {
	t.Helper()
	for line := range strings.Lines(log) {
		var v map[string]any
		if json.Unmarshal([]byte(line), &v) == nil && v["msg"] == "request" && v["path"] == path {
			return fmt.Sprint(v[field])
		}
	}
	t.Fatalf("no request line for %s in the log:\n%s", path, log)
	return ""
}

// TestServe_5xxSeriesExistBeforeTheFirstRequest: every route's 5xx
// request counter is served at 0 from the start, so rate() and
// increase() (the README's 5xx alert) see a route's first failure: a
// series born with it has no earlier sample to rise from. Nothing else
// is made ahead (no other class, no histogram), which keeps the series
// one per route.
func TestServe_5xxSeriesExistBeforeTheFirstRequest(t *testing.T) {
	db := filepath.Join(t.TempDir(), "authkit.db")
	base, _, logs := startServeWith(t, db, []httpapi.Module{oddAnswers{}}, nil, "--metrics-addr", "127.0.0.1:0")
	metricsURL := "http://" + logField(t, logs.String(), "metrics listening", "addr") + "/metrics"
	first := scrape(t, metricsURL)

	resp, err := http.Get(base + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage
	}
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"/api/": true, "/": true} // the JSON 404 of unknown API paths, the pages
	for path, ops := range doc.Paths {
		for method := range ops {
			want[strings.ToUpper(method)+" "+path] = true
		}
	}
	for route := range want {
		if v, ok := first[`authkit_http_requests_total{route="`+route+`",status_class="5xx"}`]; !ok || v != 0 {
			t.Errorf("%s: 5xx series %v (served %v) before any request, want 0", route, v, ok)
		}
	}
	for series := range first {
		if !strings.HasPrefix(series, "authkit_http_") {
			continue
		}
		if !strings.HasPrefix(series, "authkit_http_requests_total{") || !strings.HasSuffix(series, `status_class="5xx"}`) {
			t.Errorf("made before any request: %s", series)
		}
	}

	// A connection of its own: on a reused one, the client would retry
	// the GET the abort cut off.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Get(base + "/api/odd/abort"); err == nil {
		resp.Body.Close()
	}
	if got := scrape(t, metricsURL)[`authkit_http_requests_total{route="GET /api/odd/abort",status_class="5xx"}`]; got != 1 {
		t.Errorf("the first 5xx of GET /api/odd/abort: %v, want 1", got)
	}
}

// TestREADMEMetricsTableMatchesScrape holds the README to what a real
// scrape serves: every authkit_ metric in the Monitoring table is served
// with the table's type, every one served is in the table, every
// authkit_ metric the README names anywhere (the alerts' PromQL
// included) exists, and where the table lists a label's values
// (`outcome`: `ok`, …) they are exactly the values served, after
// requests that answer in every status class.
func TestREADMEMetricsTableMatchesScrape(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "authkit.db")
	base, _, logs := startServeWith(t, db, []httpapi.Module{oddAnswers{}}, nil, "--metrics-addr", "127.0.0.1:0")
	for _, path := range []string{"/healthz", "/api/odd/status/302", "/api/no/such", "/api/odd/abort", "/api/odd/status/600"} {
		if resp, err := http.Get(base + path); err == nil { // the abort has none
			resp.Body.Close()
		}
	}
	switchProtocols(t, base, "/api/odd/status/101")
	resp, err := http.Get("http://" + logField(t, logs.String(), "metrics listening", "addr") + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	served := map[string]string{}          // family → type
	values := map[string]map[string]bool{} // family and label → values
	label := regexp.MustCompile(`(\w+)="([^"]*)"`)
	for line := range strings.Lines(string(body)) {
		if f := strings.Fields(line); len(f) == 4 && f[1] == "TYPE" && strings.HasPrefix(f[2], "authkit_") {
			served[f[2]] = f[3]
		}
		name, labels, ok := strings.Cut(line, "{")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if served[name] == "" { // a histogram's _bucket, _sum or _count
			name = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
		}
		for _, m := range label.FindAllStringSubmatch(labels, -1) {
			key := name + " " + m[1]
			if values[key] == nil {
				values[key] = map[string]bool{}
			}
			values[key][m[2]] = true
		}
	}

	documented := map[string]bool{}
	row := regexp.MustCompile("^\\| (`authkit_[a-z_]+`(?:, `authkit_[a-z_]+`)*) \\| ([a-z]+) \\|([^|]*)\\|")
	enumerated := regexp.MustCompile("`([a-z_]+)`: ((?:`[^`]+`(?:, )?)+)")
	for line := range strings.Lines(string(readme)) {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for name := range strings.SplitSeq(m[1], ", ") {
			name = strings.Trim(name, "`")
			documented[name] = true
			if got, ok := served[name]; !ok {
				t.Errorf("the README's table has %s, which is not served", name)
			} else if got != m[2] {
				t.Errorf("%s: the README says %s, the scrape %s", name, m[2], got)
			}
			for _, e := range enumerated.FindAllStringSubmatch(m[3], -1) {
				listed := map[string]bool{}
				for v := range strings.SplitSeq(e[2], ", ") {
					listed[strings.Trim(v, "`")] = true
				}
				got := values[name+" "+e[1]]
				for v := range listed {
					if !got[v] {
						t.Errorf("%s: the README lists %s=%q, which is not served", name, e[1], v)
					}
				}
				for v := range got {
					if !listed[v] {
						t.Errorf("%s: %s=%q is served but not in the README's table", name, e[1], v)
					}
				}
			}
		}
	}
	for name := range served {
		if !documented[name] {
			t.Errorf("%s is served but not in the README's table", name)
		}
	}
	for _, name := range regexp.MustCompile(`\bauthkit_[a-z_]+_(?:total|seconds|live|depth|capacity|info)\b`).FindAllString(string(readme), -1) {
		if served[strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count"), "_sum")] == "" {
			t.Errorf("the README names %s, which is not served", name)
		}
	}
}

// switchProtocols sends a GET over a connection of its own and reads the
// status line of the answer, which must be 101 Switching Protocols (a
// client that does not ask to switch is not one Go's would take it from).
func switchProtocols(t *testing.T, base, path string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path)
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 101 ") {
		t.Fatalf("GET %s: %q %v", path, status, err)
	}
}
