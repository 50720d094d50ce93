package main

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// crashClient is one client of the crash test and what the server has
// acknowledged to it.
type crashClient struct {
	a *account // a.Refresh is the newest refresh token answered with 200
	// inFlight is set when a refresh was under way as the server died: the
	// server may have spent a.Refresh without the answer arriving.
	inFlight   bool
	registered []*account // answered 201
}

// TestCrash_SIGKILLMidWritesKeepsEveryAcknowledgedWrite kills the server
// with SIGKILL in the middle of registrations and refresh-token rotations,
// twice, and restarts it on the same database each time. The file must
// pass SQLite's integrity and foreign-key checks, every account answered
// 201 must log in, and every refresh token answered 200 must be usable
// exactly once; a token whose successor was being issued at the moment
// of the kill may be spent, but only together with that successor (the
// rotation commits whole or not at all).
func TestCrash_SIGKILLMidWritesKeepsEveryAcknowledgedWrite(t *testing.T) {
	ts := startTestServer(t, serverOptions{})
	const clients = 16
	cs := make([]*crashClient, clients)
	conn := newConn(ts.Addr)
	for i := range cs {
		cs[i] = &crashClient{a: newAccount("crash", i)}
		if err := register(conn, cs[i].a); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	for round := 1; round <= 2; round++ {
		ts = crashRound(t, ts, cs, round)
	}
}

func crashRound(t *testing.T, ts *testServer, cs []*crashClient, round int) *testServer {
	t.Helper()
	var (
		wg     sync.WaitGroup
		killed atomic.Bool
		mu     sync.Mutex
		acks   = map[string]int{}
	)
	ack := func(what string) {
		mu.Lock()
		acks[what]++
		mu.Unlock()
	}
	for i, c := range cs {
		c.registered = nil
		wg.Go(func() {
			conn := newConn(ts.Addr)
			defer conn.Close()
			rng := rand.New(rand.NewPCG(uint64(i), uint64(round)))
			for n := 0; ; n++ {
				var err error
				if rng.IntN(4) == 0 {
					extra := newAccount(fmt.Sprintf("crash%d-r%d", i, round), n)
					if err = register(conn, extra); err == nil {
						c.registered = append(c.registered, extra)
						ack("registrations")
					}
				} else {
					if err = refresh(conn, c.a); err == nil {
						ack("refreshes")
					} else {
						c.inFlight = true
					}
				}
				var se *statusError
				switch {
				case err == nil:
					continue
				case !killed.Load():
					t.Errorf("client %d before the kill: %v", i, err)
				case errors.As(err, &se):
					t.Errorf("client %d: a response after the kill: %v", i, err)
				}
				return
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	killed.Store(true)
	ts.Kill()
	wg.Wait()
	inFlight := 0
	for _, c := range cs {
		if c.inFlight {
			inFlight++
		}
	}
	t.Logf("round %d: killed after %d registrations and %d refreshes acknowledged; %d refreshes were in flight",
		round, acks["registrations"], acks["refreshes"], inFlight)

	db := openSQLite(t, ts.opt.DB)
	checkIntegrity(t, db)
	for _, c := range cs {
		checkRefreshTokenRow(t, db, c)
	}
	db.Close()

	ts = ts.restart()
	conn := newConn(ts.Addr)
	defer conn.Close()
	for _, c := range cs {
		for _, a := range c.registered {
			probe := *a
			if err := login(conn, &probe); err != nil {
				t.Errorf("round %d: %s was registered (201) but cannot log in after the crash: %v", round, a.Email, err)
			}
		}
		spent := c.a.Refresh
		err := refresh(conn, c.a)
		switch {
		case err == nil:
			// Usable once: a second presentation is reuse, and refused.
			if _, err := refreshWith(conn, spent); !isStatus(err, http.StatusUnauthorized) {
				t.Errorf("round %d: %s: a spent refresh token was accepted again: %v", round, c.a.Email, err)
			}
		case c.inFlight && isStatus(err, http.StatusUnauthorized):
			// The rotation under way at the kill committed; the token was
			// spent, as checkRefreshTokenRow found in the file.
		default:
			t.Errorf("round %d: %s: the newest acknowledged refresh token was refused after the crash: %v", round, c.a.Email, err)
		}
		// Either way the session has ended now (reuse revokes it): start
		// the next round on a new one.
		if err := login(conn, c.a); err != nil {
			t.Fatalf("round %d: %s cannot log in: %v", round, c.a.Email, err)
		}
		c.inFlight = false
	}
	ts.requireNoErrorLogs()
	return ts
}

func isStatus(err error, status int) bool {
	var se *statusError
	return errors.As(err, &se) && se.Status == status
}

// openSQLite opens the server's database file directly (the server must
// not be running). Opening it replays the WAL, as the next server start
// would.
func openSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// checkIntegrity runs SQLite's own consistency checks on the whole file.
func checkIntegrity(t *testing.T, db *sql.DB) {
	t.Helper()
	var result string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&result); err != nil || result != "ok" {
		t.Fatalf("PRAGMA integrity_check = %q, %v", result, err)
	}
	rows, err := db.Query("PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.Next() {
		t.Fatal("PRAGMA foreign_key_check found rows pointing nowhere")
	}
}

// checkRefreshTokenRow looks up the client's newest acknowledged refresh
// token in the file, by the SHA-256 under which the server stores it
// (server/auth hashRefreshToken). It must be there and unspent, unless a
// rotation was in flight at the kill, in which case it may be spent but
// then its successor must exist in the same session.
func checkRefreshTokenRow(t *testing.T, db *sql.DB, c *crashClient) {
	t.Helper()
	sum := sha256.Sum256([]byte(c.a.Refresh))
	var (
		session    string
		spent      bool
		replacedBy sql.NullString
	)
	err := db.QueryRow("SELECT session_id, used_at IS NOT NULL, replaced_by FROM refresh_tokens WHERE token_hash = ?",
		hex.EncodeToString(sum[:])).Scan(&session, &spent, &replacedBy)
	if err != nil {
		t.Errorf("%s: the newest acknowledged refresh token is not in the database: %v", c.a.Email, err)
		return
	}
	if !spent {
		return
	}
	if !c.inFlight {
		t.Errorf("%s: the newest acknowledged refresh token is spent, yet no rotation was under way", c.a.Email)
		return
	}
	var successorSession string
	if err := db.QueryRow("SELECT session_id FROM refresh_tokens WHERE id = ?", replacedBy.String).Scan(&successorSession); err != nil || successorSession != session {
		t.Errorf("%s: the refresh token is spent but its successor %q is missing or elsewhere (%q, %v): a torn rotation",
			c.a.Email, replacedBy.String, successorSession, err)
	}
}
