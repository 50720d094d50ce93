package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// binary returns the built authkit binary (make test sets AUTHKIT_BIN).
func binary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("AUTHKIT_BIN")
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("AUTHKIT_BIN is unset under CI")
		}
		t.Skip("AUTHKIT_BIN is unset: run through `make test`")
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// instance is one real `authkit serve` process.
type instance struct {
	t       *testing.T
	base    string
	log     *syncBuffer
	started time.Time // before the process started: its timers run from later
}

func startInstance(t *testing.T, bin, db string) *instance {
	t.Helper()
	addr := freeAddr(t)
	in := &instance{t: t, base: "http://" + addr, log: new(syncBuffer), started: time.Now()}
	// A session's liveness is cached far longer than any wait of the
	// test (instanceCacheTTL): an instance that refuses a token revoked on
	// the other was told so (LISTEN/NOTIFY), not by its cache going stale.
	cmd := exec.Command(bin, "serve", "--addr", addr, "--db", db, "--login-throttle", "0", "--register-throttle", "0",
		"--session-cache-ttl", instanceCacheTTL.String())
	cmd.Stdout, cmd.Stderr = in.log, in.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if t.Failed() {
			t.Logf("log of %s:\n%s", addr, in.log.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if resp, err := http.Get(in.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return in
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance on %s did not start:\n%s", addr, in.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (in *instance) call(method, path, token string, body any) (int, []byte) {
	in.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, in.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func (in *instance) tokens(email, password string) shared.TokenPair {
	in.t.Helper()
	status, body := in.call("POST", "/api/token", "", shared.LoginRequest{Email: email, Password: password})
	if status != 200 {
		in.t.Fatalf("token: %d %s", status, body)
	}
	var p shared.TokenPair
	json.Unmarshal(body, &p)
	return p
}

func (in *instance) expect(method, path, token string, body any, want int) []byte {
	in.t.Helper()
	status, data := in.call(method, path, token, body)
	if status != want {
		in.t.Fatalf("%s %s on %s = %d, want %d: %s", method, path, in.base, status, want, data)
	}
	return data
}

// instanceCacheTTL is the instances' --session-cache-ttl: long enough
// that no entry cached during a test goes stale in it.
const instanceCacheTTL = time.Hour

// propagationGuard bounds the wait for one instance to see what the other
// did: a bound on a hang, far above the propagation README promises
// (about a second), and far below instanceCacheTTL.
const propagationGuard = 30 * time.Second

// refused polls until the instance refuses the token, failing the test
// if it still accepts it after propagationGuard: the revocation did not
// reach it (the cache would trust the token for instanceCacheTTL).
func (in *instance) refused(token string) {
	in.t.Helper()
	start := time.Now()
	for {
		status, _ := in.call("GET", "/api/me", token, nil)
		if status == 401 {
			in.t.Logf("revocation seen by %s after %v", in.base, time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Since(start) > propagationGuard {
			in.t.Fatalf("%s still accepts a revoked token after %v", in.base, propagationGuard)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func sessionID(t *testing.T, token string) string {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		t.Fatal(err)
	}
	return claims["sid"].(string)
}

// TestTwoInstancesOnOnePostgres runs two real server processes on one
// PostgreSQL database and checks they behave as one service.
func TestTwoInstancesOnOnePostgres(t *testing.T) {
	db := storetest.NewPostgresDB(t)
	bin := binary(t)
	a, b := startInstance(t, bin, db), startInstance(t, bin, db)
	const pw = "correct horse battery"

	register := func(email string) {
		a.expect("POST", "/api/auth/register", "", shared.RegisterRequest{Email: email, Password: pw, Name: "N"}, 201)
	}
	register("ann@example.com")

	// First, while a's periodic key reload is still far off.
	t.Run("key rotation", func(t *testing.T) {
		before := a.tokens("ann@example.com", pw)
		var out, errOut bytes.Buffer
		cmd := exec.Command(bin, "keys", "rotate", "--db", db)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("keys rotate: %v %s", err, errOut.String())
		}
		newKID := strings.Fields(out.String())[3]
		// a reloads its keys on its own every KeyPropagation/2 from its
		// start: the new key must sign before that could have happened,
		// so the NOTIFY it was sent is what switched it.
		deadline := a.started.Add(signing.KeyPropagation / 2)
		for {
			after := a.tokens("ann@example.com", pw)
			tok, _, _ := jwt.NewParser().ParseUnverified(after.Access, jwt.MapClaims{})
			if tok.Header["kid"] == newKID {
				b.expect("GET", "/api/me", after.Access, nil, 200)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("instance a still signs with %v %v after it started, when it would reload by itself; want %s",
					tok.Header["kid"], time.Since(a.started).Round(time.Second), newKID)
			}
			time.Sleep(50 * time.Millisecond)
		}
		a.expect("GET", "/api/me", before.Access, nil, 200)
		b.expect("GET", "/api/me", before.Access, nil, 200)
		var jwks struct{ Keys []struct{ Kid string } }
		json.Unmarshal(b.expect("GET", "/.well-known/jwks.json", "", nil, 200), &jwks)
		if len(jwks.Keys) != 2 {
			t.Fatalf("jwks = %+v", jwks)
		}
	})

	t.Run("a token from one instance works on the other", func(t *testing.T) {
		p := a.tokens("ann@example.com", pw)
		b.expect("GET", "/api/me", p.Access, nil, 200)
	})
	t.Run("logout", func(t *testing.T) {
		p := a.tokens("ann@example.com", pw)
		b.expect("GET", "/api/me", p.Access, nil, 200) // cached as live on b
		a.expect("POST", "/api/auth/logout", p.Access, nil, 204)
		b.refused(p.Access)
	})
	t.Run("session revocation", func(t *testing.T) {
		laptop, phone := a.tokens("ann@example.com", pw), a.tokens("ann@example.com", pw)
		b.expect("GET", "/api/me", phone.Access, nil, 200)
		a.expect("DELETE", "/api/me/sessions/"+sessionID(t, phone.Access), laptop.Access, nil, 204)
		b.refused(phone.Access)
	})
	t.Run("password change", func(t *testing.T) {
		register("pat@example.com")
		laptop, phone := a.tokens("pat@example.com", pw), a.tokens("pat@example.com", pw)
		a.expect("GET", "/api/me", phone.Access, nil, 200)
		b.expect("POST", "/api/me/password", laptop.Access, shared.ChangePasswordRequest{CurrentPassword: pw, NewPassword: "another long passphrase"}, 204)
		a.refused(phone.Access)
		a.expect("GET", "/api/me", laptop.Access, nil, 200)
	})
	t.Run("deactivation", func(t *testing.T) {
		register("dan@example.com")
		var out, errOut bytes.Buffer
		cmd := exec.Command(bin, "createsuperuser", "--db", db, "--email", "root@example.com", "--name", "Root")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(pw+"\n"), &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("createsuperuser: %v %s", err, errOut.String())
		}
		root := a.tokens("root@example.com", pw)
		dan := b.tokens("dan@example.com", pw)
		b.expect("GET", "/api/me", dan.Access, nil, 200)
		var list shared.UsersResponse
		json.Unmarshal(a.expect("GET", "/api/admin/users?q=dan", root.Access, nil, 200), &list)
		if len(list.Users) != 1 {
			t.Fatalf("users = %+v", list)
		}
		a.expect("PATCH", "/api/admin/users/"+list.Users[0].ID, root.Access, map[string]any{"is_active": false}, 200)
		b.refused(dan.Access)
	})
	t.Run("refresh token reuse across instances", func(t *testing.T) {
		first := a.tokens("ann@example.com", pw)
		var second shared.TokenPair
		json.Unmarshal(a.expect("POST", "/api/token/refresh", "", shared.RefreshRequest{Refresh: first.Refresh}, 200), &second)
		b.expect("GET", "/api/me", second.Access, nil, 200)
		b.expect("POST", "/api/token/refresh", "", shared.RefreshRequest{Refresh: first.Refresh}, 401) // reuse
		a.refused(second.Access)
		a.expect("POST", "/api/token/refresh", "", shared.RefreshRequest{Refresh: second.Refresh}, 401)
	})
}

// TestInstancesMigrateAtOnce starts several `authkit migrate` processes at
// the same moment on one empty PostgreSQL database, as instances of a
// deployment do when they start together: every one must succeed, and
// each migration must be applied exactly once.
func TestInstancesMigrateAtOnce(t *testing.T) {
	db := storetest.NewPostgresDB(t)
	bin := binary(t)
	const n = 6
	cmds := make([]*exec.Cmd, n)
	outs := make([]*syncBuffer, n)
	for i := range cmds {
		outs[i] = new(syncBuffer)
		cmds[i] = exec.Command(bin, "migrate", "--db", db)
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
	}
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	applied := map[string]int{}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("migrate %d: %v\n%s", i, err, outs[i].String())
		}
		for _, line := range strings.Split(outs[i].String(), "\n") {
			if name, ok := strings.CutPrefix(line, "applied "); ok {
				applied[name]++
			}
		}
	}
	if len(applied) == 0 {
		t.Fatal("no process applied any migration")
	}
	for name, times := range applied {
		if times != 1 {
			t.Errorf("%s applied %d times", name, times)
		}
	}
	// Every instance then starts on the migrated database.
	startInstance(t, bin, db)
}

// TestSecondSignalStopsAtOnce: the first SIGTERM drains, waiting for a
// request still in flight (here one whose body never finishes arriving);
// a second one stops the process there and then, as an operator pressing
// Ctrl-C twice expects, instead of being swallowed.
func TestSecondSignalStopsAtOnce(t *testing.T) {
	bin := binary(t)
	addr := freeAddr(t)
	log := new(syncBuffer)
	cmd := exec.Command(bin, "serve", "--addr", addr, "--db", filepath.Join(t.TempDir(), "a.db"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	waitForLine := func(s string) {
		t.Helper()
		for !strings.Contains(log.String(), s) {
			select {
			case <-done:
				t.Fatalf("the process exited before logging %q:\n%s", s, log.String())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	waitForLine("authkit listening")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Expect: 100-continue makes the server say when the handler starts
	// reading the body: from then on the request is in flight, and the
	// drain waits for it.
	fmt.Fprintf(conn, "POST /api/auth/register HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n", addr)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // a bound on a hang, not a measurement
	if line, err := bufio.NewReader(conn).ReadString('\n'); err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("no 100 Continue: %q %v", line, err)
	}
	fmt.Fprint(conn, `{"email":`)
	cmd.Process.Signal(syscall.SIGTERM)
	waitForLine("shutting down")
	// The signals are handed back a moment after the first one arrives
	// (main's context.AfterFunc), so the second is sent until the process
	// ends: swallowed, it would end only after the 15 s drain, exiting 1.
	for stopped := false; !stopped; {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
			stopped = true
		case <-time.After(50 * time.Millisecond):
		}
	}
	if code := cmd.ProcessState.ExitCode(); code != -1 {
		t.Fatalf("after a second SIGTERM the process exited with %d, not by the signal:\n%s", code, log.String())
	}
}
