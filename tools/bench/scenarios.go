package main

// The scenarios of the load generator. Each client works on its own
// account (registered before the first scenario) so refresh chains never
// cross: a client spends only refresh tokens it received itself.

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
)

// scenario is one kind of load.
type scenario struct {
	Name  string
	Title string
	// client returns the step client i repeats, working on account a.
	client func(run *benchRun, i int, a *account) step
	// onFloor runs the scenario against the floor (floor.go), not a
	// server.
	onFloor bool
}

// benchRun is what scenarios share within one run on one server.
type benchRun struct {
	id         string // makes emails unique across runs on one database
	registered atomic.Int64
	floorBody  []byte // what the floor answers
}

// nextEmail is a new address for the register scenario, unique across
// clients and rounds.
func (r *benchRun) nextEmail(client int) string {
	return fmt.Sprintf("r%d-%d-%s@bench.example.com", client, r.registered.Add(1), r.id)
}

var scenarios = []scenario{
	{Name: "floor", Title: "net/http alone, GET /api/me's bytes", onFloor: true, client: func(run *benchRun, _ int, a *account) step {
		return floorStep(a, run.floorBody)
	}},
	{Name: "me-cookie", Title: "GET /api/me (cookie)", client: func(_ *benchRun, _ int, a *account) step {
		return func(c *httpConn) error { return me(c, a, byCookie) }
	}},
	{Name: "me-bearer", Title: "GET /api/me (Bearer)", client: func(_ *benchRun, _ int, a *account) step {
		return func(c *httpConn) error { return me(c, a, byBearer) }
	}},
	{Name: "verify", Title: "POST /api/token/verify", client: func(_ *benchRun, _ int, a *account) step {
		return func(c *httpConn) error { return verify(c, a) }
	}},
	{Name: "refresh", Title: "POST /api/token/refresh", client: func(_ *benchRun, _ int, a *account) step {
		chain := refreshChain{a: a}
		return chain.step
	}},
	{Name: "login", Title: "POST /api/auth/login", client: func(_ *benchRun, _ int, a *account) step {
		// A copy: each login starts a new session, and the account's own
		// session stays the one the other scenarios use.
		session := *a
		return func(c *httpConn) error { return login(c, &session) }
	}},
	{Name: "register", Title: "POST /api/auth/register", client: func(run *benchRun, i int, _ *account) step {
		return func(c *httpConn) error {
			return register(c, &account{Email: run.nextEmail(i), Password: benchPassword})
		}
	}},
	{Name: "mixed", Title: "mixed 90% GET /api/me, 8% refresh, 2% login", client: func(_ *benchRun, i int, a *account) step {
		rng := rand.New(rand.NewPCG(uint64(i), 0x5eed))
		chain := refreshChain{a: a}
		return func(c *httpConn) error {
			switch x := rng.IntN(100); {
			case x < 90:
				return me(c, a, credential(x%2))
			case x < 98:
				return chain.step(c)
			default:
				// The new session becomes the client's (its tokens replace
				// the old ones), as a user logging in again would.
				return login(c, a)
			}
		}
	}},
}

// benchPassword is every bench account's password: long enough and not a
// common password, so registration's validation passes.
const benchPassword = "bench-load-generator-password"

// refreshChain rotates one account's refresh token. When a refresh fails
// (the chain may be broken: the token might have been spent without the
// answer arriving), the next step logs in again to start a new chain, and
// that login counts as one of the scenario's requests.
type refreshChain struct {
	a      *account
	broken bool
}

func (r *refreshChain) step(c *httpConn) error {
	if r.broken {
		if err := login(c, r.a); err != nil {
			return err
		}
		r.broken = false
		return nil
	}
	if err := refresh(c, r.a); err != nil {
		r.broken = true
		return err
	}
	return nil
}

// selectScenarios resolves the -scenario flag: "all" or a comma list.
func selectScenarios(list string) ([]scenario, error) {
	if list == "all" || list == "" {
		return scenarios, nil
	}
	var out []scenario
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		i := indexOfScenario(name)
		if i < 0 {
			return nil, fmt.Errorf("unknown scenario %q (have %s)", name, scenarioNames())
		}
		out = append(out, scenarios[i])
	}
	return out, nil
}

func indexOfScenario(name string) int {
	for i, s := range scenarios {
		if s.Name == name {
			return i
		}
	}
	return -1
}

func scenarioNames() string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}
