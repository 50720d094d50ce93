package cli

import (
	"context"
	"flag"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/uptrace/bun/migrate"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/store/storetest"
)

// greeter is a Configurable module: its one flag sets what its route says.
type greeter struct{ greeting string }

func (g *greeter) Name() string                    { return "greeter" }
func (g *greeter) Migrations() *migrate.Migrations { return nil }
func (g *greeter) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&g.greeting, "greeting", "hello", "what GET /api/greeting says")
}
func (g *greeter) Mount(*httpapi.Kit) ([]httpapi.Route, error) {
	return []httpapi.Route{{Pattern: "GET /api/greeting", Response: "", Handler: func(w http.ResponseWriter, r *http.Request) error {
		httpapi.WriteJSON(w, http.StatusOK, g.greeting)
		return nil
	}}}, nil
}

// TestServe_ModulesTakeTheirFlagsFromTheEnvironment: a module's flags are
// serve's flags, AUTHKIT_… variables included.
func TestServe_ModulesTakeTheirFlagsFromTheEnvironment(t *testing.T) {
	for env, want := range map[string]string{"": `"hello"`, "bonjour": `"bonjour"`} {
		g, db := &greeter{}, storetest.DSN(t)
		ctx, cancel := context.WithCancel(t.Context())
		ready := make(chan string, 1)
		done := make(chan error, 1)
		go func() {
			done <- Run(ctx, Env{
				Args: []string{"serve", "--addr", "127.0.0.1:0"},
				Getenv: func(k string) string {
					return map[string]string{"AUTHKIT_DB": db, "AUTHKIT_GREETING": env}[k]
				},
				Stdout: io.Discard, Stderr: io.Discard, Modules: []httpapi.Module{g},
				Ready: func(addr string) { ready <- addr },
			})
		}()
		var addr string
		select {
		case addr = <-ready:
		case err := <-done:
			t.Fatalf("serve exited: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not start")
		}
		resp, err := http.Get("http://" + addr + "/api/greeting")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := string(body); got != want+"\n" {
			t.Errorf("AUTHKIT_GREETING=%q: the module says %s, want %s", env, got, want)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
