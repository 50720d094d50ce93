package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// The throttles of password checks: a token is reserved before any
// hashing, so bursts cannot outrun them (issue #11). Tests count argon2id
// derivations (the Hasher's counter) rather than time anything; a cheap
// Hasher keeps them fast, since what matters is how many hashes run.

// cheapHasher hashes at the lowest cost decodeHash accepts.
func cheapHasher() *auth.Hasher {
	return auth.NewHasher(auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1})
}

// burst sends n requests at once and returns their answers.
func burst(n int, send func() apitest.Response) []apitest.Response {
	out := make([]apitest.Response, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = send()
		})
	}
	close(start)
	wg.Wait()
	return out
}

// countRefusals checks that every answer is want or a 429 with a
// Retry-After, and returns how many were 429.
func countRefusals(t *testing.T, answers []apitest.Response, want int) int {
	t.Helper()
	refused := 0
	for _, r := range answers {
		switch r.Status {
		case want:
		case http.StatusTooManyRequests:
			r.ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)
			if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
				t.Fatalf("429 with Retry-After %q", ra)
			}
			refused++
		default:
			t.Fatalf("status %d, want %d or 429: %s", r.Status, want, r.Body)
		}
	}
	return refused
}

func TestLogin_ConcurrentBurstChecksAtMostTheLimit(t *testing.T) {
	for _, path := range []string{"/api/auth/login", "/api/token"} {
		t.Run(path, func(t *testing.T) {
			hasher := cheapHasher()
			ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) {
				c.Hasher, c.LoginThrottle, c.LoginClientThrottle = hasher, 10, 100
			}))
			ts.Browser().Register("ann@example.com", "Ann")
			wrong := shared.LoginRequest{Email: "ann@example.com", Password: "not ann's password"}

			before := hasher.Derivations()
			answers := burst(40, func() apitest.Response { return ts.TokenClient().Do("POST", path, wrong) })
			if hashed := hasher.Derivations() - before; hashed > 10 {
				t.Errorf("%d of 40 concurrent guesses were hashed, want at most 10", hashed)
			}
			if refused := countRefusals(t, answers, http.StatusUnauthorized); refused < 30 {
				t.Errorf("%d of 40 concurrent guesses refused with 429, want at least 30", refused)
			}
			// The bucket is empty: the right password waits too.
			right := shared.LoginRequest{Email: "ann@example.com", Password: apitest.Password}
			ts.TokenClient().Do("POST", path, right).ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)
		})
	}
}

func TestLogin_SuccessesDoNotCount(t *testing.T) {
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) {
		c.Hasher, c.LoginThrottle, c.LoginClientThrottle = cheapHasher(), 3, 3
	}))
	ts.Browser().Register("ann@example.com", "Ann")
	for range 2 {
		ts.Browser().Login("ann@example.com", "not ann's password").ExpectError(t, 401, shared.CodeInvalidCredentials)
	}
	for range 5 {
		ts.Browser().Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	}
	ts.Browser().Login("ann@example.com", "not ann's password").ExpectError(t, 401, shared.CodeInvalidCredentials)
	ts.Browser().Login("ann@example.com", apitest.Password).ExpectError(t, 429, shared.CodeRateLimited)
}

func TestChangePassword_WrongCurrentPasswordsThrottledPerAccount(t *testing.T) {
	hasher := cheapHasher()
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.Hasher, c.LoginThrottle = hasher, 10 }))
	b := ts.Browser()
	b.Register("ann@example.com", "Ann")
	change := func(current string) apitest.Response {
		return b.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: current, NewPassword: "a brand new passphrase"})
	}

	before := hasher.Derivations()
	for i := 1; i <= 25; i++ {
		r := change(fmt.Sprintf("guess number %d", i))
		if r.Status == http.StatusTooManyRequests {
			r.ExpectError(t, 429, shared.CodeRateLimited)
			if r.Header.Get("Retry-After") == "" {
				t.Fatal("no Retry-After")
			}
			if i != 11 {
				t.Fatalf("first 429 at guess %d, want 11 (a limit of 10)", i)
			}
			break
		}
		r.ExpectError(t, 400, shared.CodeWrongPassword)
		if i == 25 {
			t.Fatal("25 wrong current passwords and no 429")
		}
	}
	if hashed := hasher.Derivations() - before; hashed > 10 {
		t.Errorf("%d current passwords hashed, want at most 10", hashed)
	}
	// Concurrent guesses from another session of the account wait as well.
	other := ts.Browser()
	other.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	answers := burst(10, func() apitest.Response {
		return other.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: "one more guess", NewPassword: "a brand new passphrase"})
	})
	if refused := countRefusals(t, answers, http.StatusBadRequest); refused != 10 {
		t.Errorf("%d of 10 guesses from another session refused, want 10", refused)
	}
	// One guess comes back every 90 seconds; the right password then works.
	ts.Advance(91 * time.Second)
	change(apitest.Password).ExpectStatus(t, http.StatusNoContent)
}

func TestLogin_ClientBudgetStopsSprayingAtTheDefaultScale(t *testing.T) {
	hasher := cheapHasher()
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) {
		c.Hasher, c.LoginThrottle, c.LoginClientThrottle = hasher, 10, 100 // serve's defaults
	}))
	emails := createAccounts(t, ts, hasher, 120)

	before := hasher.Derivations()
	first429 := 0
	for i, email := range emails {
		r := ts.TokenClient().Do("POST", "/api/token", shared.LoginRequest{Email: email, Password: "Summer2026!"})
		if r.Status == http.StatusTooManyRequests {
			r.ExpectError(t, 429, shared.CodeRateLimited)
			if r.Header.Get("Retry-After") == "" {
				t.Fatal("no Retry-After")
			}
			first429 = i + 1
			break
		}
		r.ExpectError(t, 401, shared.CodeInvalidCredentials)
	}
	if first429 != 101 {
		t.Fatalf("first 429 at login %d of 120, want 101 (a budget of 100)", first429)
	}
	if hashed := hasher.Derivations() - before; hashed != 100 {
		t.Errorf("%d passwords hashed, want 100", hashed)
	}
	// The budget is the client's: right passwords wait too, on any account.
	ts.TokenClient().Do("POST", "/api/token", shared.LoginRequest{Email: emails[119], Password: apitest.Password}).
		ExpectError(t, 429, shared.CodeRateLimited)
}

// createAccounts stores n active accounts with apitest.Password directly,
// as registering them would run into the registration throttle.
func createAccounts(t *testing.T, ts *apitest.Server, hasher *auth.Hasher, n int) []string {
	t.Helper()
	ctx := context.Background()
	hash, err := hasher.Hash(ctx, apitest.Password)
	if err != nil {
		t.Fatal(err)
	}
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("user%d@example.com", i)
		u := &store.User{ID: fmt.Sprintf("user-%d", i), Email: emails[i], Name: "User", PasswordHash: hash,
			IsActive: true, DateJoined: ts.Now()}
		if err := ts.Store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	return emails
}

// TestLogin_InstancesOnPostgreSQLShareTheLimit runs two servers on one
// PostgreSQL database: the per-account limit holds across them, for
// bursts split between the two as well.
func TestLogin_InstancesOnPostgreSQLShareTheLimit(t *testing.T) {
	if storetest.Backend() != "postgres" {
		t.Skip("throttles are shared through PostgreSQL; SQLite servers keep them in memory")
	}
	hasher := cheapHasher() // both instances count into one Hasher
	config := apitest.WithConfig(func(c *auth.Config) { c.Hasher, c.LoginThrottle, c.LoginClientThrottle = hasher, 10, 100 })
	a := apitest.NewServer(t, config)
	b := a.SecondInstance(config)
	a.Browser().Register("ann@example.com", "Ann")
	wrong := shared.LoginRequest{Email: "ann@example.com", Password: "not ann's password"}

	for range 6 {
		a.TokenClient().Do("POST", "/api/token", wrong).ExpectError(t, 401, shared.CodeInvalidCredentials)
	}
	for range 4 {
		b.TokenClient().Do("POST", "/api/token", wrong).ExpectError(t, 401, shared.CodeInvalidCredentials)
	}
	a.TokenClient().Do("POST", "/api/token", wrong).ExpectError(t, 429, shared.CodeRateLimited)
	b.TokenClient().Do("POST", "/api/token", wrong).ExpectError(t, 429, shared.CodeRateLimited)

	// A fresh account, then a burst of 40 split over both instances.
	a.Browser().Register("bob@example.com", "Bob")
	wrong.Email = "bob@example.com"
	before := hasher.Derivations()
	var n int
	var mu sync.Mutex
	answers := burst(40, func() apitest.Response {
		mu.Lock()
		srv := []*apitest.Server{a, b}[n%2]
		n++
		mu.Unlock()
		return srv.TokenClient().Do("POST", "/api/token", wrong)
	})
	if hashed := hasher.Derivations() - before; hashed > 10 {
		t.Errorf("%d of 40 guesses over two instances were hashed, want at most 10", hashed)
	}
	countRefusals(t, answers, http.StatusUnauthorized)
}

// TestThrottle_SweepDeletesRefilledBuckets checks that throttle rows do
// not name whom they count, and that the sweep removes the rows of buckets
// that have refilled, and only those.
func TestThrottle_SweepDeletesRefilledBuckets(t *testing.T) {
	if storetest.Backend() != "postgres" {
		t.Skip("throttle rows exist on PostgreSQL only")
	}
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) { c.Hasher, c.LoginThrottle = cheapHasher(), 10 }))
	ts.Browser().Login("ann@example.com", "no such account").ExpectError(t, 401, shared.CodeInvalidCredentials)
	rows := func() int64 {
		n, err := ts.Store.DB().NewSelect().Table("throttle_buckets").Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if rows() == 0 {
		t.Fatal("a failed login left no throttle row")
	}
	var keys []string
	if err := ts.Store.DB().NewSelect().Table("throttle_buckets").Column("key").Scan(context.Background(), &keys); err != nil {
		t.Fatal(err)
	}
	for _, key := range keys { // the rows name nobody: an HMAC stands for email and IP
		if strings.Contains(key, "ann@example.com") || strings.Contains(key, "127.0.0.1") || !strings.HasPrefix(key, "login:") {
			t.Errorf("throttle row key %q", key)
		}
	}
	if _, _, err := ts.Auth.Sessions.FlushExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rows() == 0 {
		t.Fatal("the sweep deleted a bucket that has not refilled")
	}
	ts.Advance(91 * time.Second) // one token back: the bucket is full again
	if _, _, err := ts.Auth.Sessions.FlushExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := rows(); n != 0 {
		t.Fatalf("%d throttle rows left after the sweep", n)
	}
}

// TestLogin_OneIPv6NetworkIsOneClient: a host with IPv6 has a whole /64
// to itself (SLAAC and privacy addresses hand out new ones at will), so a
// throttle keyed by the full address gives one machine a fresh budget per
// request. The per-client limits count a /64 as one client: guessing one
// account's password, or spraying many, from addresses of one network
// meets the same limits as from one address. IPv4 clients stay apart by
// address.
func TestLogin_OneIPv6NetworkIsOneClient(t *testing.T) {
	hasher := cheapHasher()
	ts := apitest.NewServer(t, apitest.WithConfig(func(c *auth.Config) {
		c.Hasher, c.LoginThrottle, c.LoginClientThrottle = hasher, 10, 100
	}))
	emails := createAccounts(t, ts, hasher, 120)
	login := func(remoteAddr, email string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/token",
			strings.NewReader(`{"email":"`+email+`","password":"not the password"}`))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = remoteAddr
		rec := httptest.NewRecorder()
		ts.API.ServeHTTP(rec, req)
		return rec
	}
	firstRefusal := func(n int, from func(i int) string, email func(i int) string) int {
		t.Helper()
		for i := range n {
			switch rec := login(from(i), email(i)); rec.Code {
			case http.StatusTooManyRequests:
				return i + 1
			case http.StatusUnauthorized:
			default:
				t.Fatalf("guess %d: %d %s", i+1, rec.Code, rec.Body)
			}
		}
		return 0
	}

	// One account, a new address of one /64 for each guess.
	if n := firstRefusal(20, func(i int) string { return fmt.Sprintf("[2001:db8:1:2::%x]:4000", i+1) },
		func(int) string { return emails[0] }); n != 11 {
		t.Errorf("guesses at one account from one /64: first 429 at %d, want 11", n)
	}
	// Many accounts (spraying), a new address of another /64 for each.
	if n := firstRefusal(120, func(i int) string { return fmt.Sprintf("[2001:db8:1:3:%x::1]:4000", i+1) },
		func(i int) string { return emails[i] }); n != 101 {
		t.Errorf("spraying from one /64: first 429 at %d, want 101", n)
	}
	// Another /64, and IPv4 neighbours, have budgets of their own.
	if rec := login("[2001:db8:1:4::1]:4000", emails[0]); rec.Code != http.StatusUnauthorized {
		t.Errorf("another /64: %d %s", rec.Code, rec.Body)
	}
	for i := range 11 {
		if rec := login(fmt.Sprintf("192.0.2.%d:4000", i+1), emails[1]); rec.Code != http.StatusUnauthorized {
			t.Fatalf("IPv4 client %d: %d %s", i+1, rec.Code, rec.Body)
		}
	}
}
