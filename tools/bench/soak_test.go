package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authkit/authkit/shared"
)

var soakFor = flag.Duration("soak", 5*time.Second, "how long TestSoak keeps up its mixed load (cd tools && go test ./bench -run Soak -soak=2m)")

// soakClient is one of the soak's clients and what the server has
// acknowledged to it.
type soakClient struct {
	a          *account
	chain      refreshChain
	name       string     // the display name the server last confirmed
	registered []*account // accounts whose registration answered 201
	failures   []string   // every unexpected answer or transport error
}

// TestSoak_MixedLoadLosesNoWrites keeps 64 clients busy with a mix of
// reads, refreshes, registrations, logins and profile updates, then
// checks that nothing the server acknowledged was lost: every 201 account
// logs in, every client's newest refresh token and display name are the
// server's, and the user count matches. No request may fail, 5xx or not.
func TestSoak_MixedLoadLosesNoWrites(t *testing.T) {
	ts := startTestServer(t, serverOptions{})
	const clients = 64
	cs := make([]*soakClient, clients)
	var (
		wg      sync.WaitGroup
		stop    atomic.Bool
		started = time.Now()
	)
	for i := range cs {
		c := &soakClient{a: newAccount("soak", i)}
		c.chain = refreshChain{a: c.a}
		cs[i] = c
		wg.Go(func() { c.run(ts.Addr, i, &stop) })
	}
	time.Sleep(*soakFor)
	stop.Store(true)
	wg.Wait()
	loadTook := time.Since(started)

	var registered []*account
	for _, c := range cs {
		for _, f := range c.failures {
			t.Error(f)
		}
		registered = append(registered, c.registered...)
	}
	statuses := ts.log.Statuses()
	requests := 0
	for status, n := range statuses {
		requests += n
		if status >= 500 {
			t.Errorf("the server answered %d requests with %d", n, status)
		}
	}
	t.Logf("%d clients, %v: %d requests, %d registrations, statuses %v", clients, loadTook.Round(time.Millisecond), requests, len(registered), statuses)

	checkAcknowledgedWrites(t, ts.server, cs, registered)
	ts.requireNoErrorLogs()

	ts.Stop()
	db := openSQLite(t, ts.opt.DB)
	var users int
	if err := db.QueryRow("SELECT count(*) FROM users").Scan(&users); err != nil {
		t.Fatal(err)
	}
	if users != len(registered) {
		t.Errorf("the database holds %d users, the server acknowledged %d registrations", users, len(registered))
	}
}

// run registers the client's account, then makes requests until stop:
// 55% GET /api/me, 15% refresh, 10% registrations of new accounts, 5%
// logins, 10% profile updates, 5% token verifications.
func (c *soakClient) run(addr string, i int, stop *atomic.Bool) {
	conn := newConn(addr)
	defer conn.Close()
	if err := register(conn, c.a); err != nil {
		c.fail("registering", err)
		return
	}
	c.registered = append(c.registered, &account{Email: c.a.Email, Password: c.a.Password})
	c.name = "Bench User"
	rng := rand.New(rand.NewPCG(uint64(i), 42))
	for n := 0; !stop.Load(); n++ {
		switch x := rng.IntN(100); {
		case x < 55:
			c.check("GET /api/me", me(conn, c.a, credential(x%2)))
		case x < 70:
			c.check("refresh", c.chain.step(conn))
		case x < 80:
			extra := newAccount(fmt.Sprintf("soak%d-extra", i), n)
			if err := register(conn, extra); err != nil {
				c.fail("registering", err)
			} else {
				c.registered = append(c.registered, extra)
			}
		case x < 85:
			c.check("login", login(conn, c.a))
		case x < 95:
			name := fmt.Sprintf("Soak %d.%d", i, n)
			if err := updateName(conn, c.a, name); err != nil {
				c.fail("PATCH /api/me", err)
			} else {
				c.name = name
			}
		default:
			c.check("verify", verify(conn, c.a))
		}
	}
}

func (c *soakClient) check(what string, err error) {
	if err != nil {
		c.fail(what, err)
	}
}

func (c *soakClient) fail(what string, err error) {
	if len(c.failures) < 5 {
		c.failures = append(c.failures, fmt.Sprintf("%s (%s): %v", what, c.a.Email, err))
	}
}

// updateName changes the display name (PATCH /api/me, by Bearer token so
// no CSRF token is needed).
func updateName(c *httpConn, a *account, name string) error {
	_, err := call(c, http.StatusOK, http.MethodPatch, "/api/me", mustJSON(shared.UpdateProfileRequest{Name: &name}),
		header{"Authorization", "Bearer " + a.Access})
	return err
}

// checkAcknowledgedWrites verifies, after the load, that each registered
// account logs in and that each client's session holds what the server
// last confirmed: its newest refresh token works and its name stuck.
func checkAcknowledgedWrites(t *testing.T, srv *server, cs []*soakClient, registered []*account) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	work := make(chan *account)
	var (
		wg     sync.WaitGroup
		failed atomic.Int32
	)
	for range 8 {
		wg.Go(func() {
			conn := newConn(srv.Addr)
			defer conn.Close()
			for a := range work {
				probe := *a
				if err := login(conn, &probe); err != nil && failed.Add(1) <= 10 {
					t.Errorf("account %s was registered (201) but cannot log in: %v", a.Email, err)
				}
			}
		})
	}
	for _, a := range registered {
		select {
		case work <- a:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()

	conn := newConn(srv.Addr)
	defer conn.Close()
	for _, c := range cs {
		if c.name == "" {
			continue // its registration failed; already reported
		}
		if c.chain.broken {
			t.Errorf("%s ended with a broken refresh chain", c.a.Email)
			continue
		}
		if err := refresh(conn, c.a); err != nil {
			t.Errorf("%s: its newest refresh token was refused: %v", c.a.Email, err)
			continue
		}
		resp, err := call(conn, http.StatusOK, http.MethodGet, "/api/me", nil, byBearer.header(c.a.Access))
		if err != nil {
			t.Errorf("%s: GET /api/me: %v", c.a.Email, err)
			continue
		}
		var got shared.UserResponse
		if err := json.Unmarshal(resp.Body, &got); err != nil || got.User.Name != c.name {
			t.Errorf("%s: name %q, the server last confirmed %q (%v)", c.a.Email, got.User.Name, c.name, err)
		}
	}
}
