package auth_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi/apitest"
)

// The tests here run the real API (apitest) with testHookChecked, which
// only package auth's tests can set: so they live here rather than in
// package httpapi.

// guard bounds a wait that only a broken server makes long: it fails the
// test instead of hanging it, and is never what a passing test waits for.
const guard = 30 * time.Second

// TestPasswordReset_AnswersAlikeForUnknownEmails: a reset request is
// answered before its account is looked up, so neither its answer nor the
// time it takes tells whether an account exists. The lookup (and the
// mail) of every request is held at "reset-mail" until all of them, for
// a known and an unknown address alike, have had the same answer; once
// released, only the known address gets mail.
func TestPasswordReset_AnswersAlikeForUnknownEmails(t *testing.T) {
	ts := apitest.NewServer(t)
	ts.Browser().Register("ann@example.com", "Ann")

	reached, release := make(chan struct{}, 8), make(chan struct{})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	auth.OnChecked(t, func(step string) {
		if step == "reset-mail" {
			reached <- struct{}{}
			<-release
		}
	})
	t.Cleanup(releaseOnce) // before the server stops, should the test fail first

	emails := []string{"ann@example.com", "nobody@example.com", "ann@example.com", "nobody@example.com"}
	var first string
	for i, email := range emails {
		status, body := resetAnswer(t, ts, email)
		if status != http.StatusAccepted {
			t.Fatalf("reset for %s: %d %s", email, status, body)
		}
		if i == 0 {
			first = body
		} else if body != first {
			t.Fatalf("answers differ: %s vs %s", first, body)
		}
	}
	// Every request did reach its lookup, which is still held: the
	// answers above did not wait for it.
	for range emails {
		select {
		case <-reached:
		case <-time.After(guard):
			t.Fatal("a reset request never started its account lookup")
		}
	}

	releaseOnce()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := ts.Auth.Wait(ctx); err != nil { // the lookups and mails are done
		t.Fatal(err)
	}
	if got, want := ts.MailSubjects("ann@example.com"), []string{"Confirm your email address", "Reset your password", "Reset your password"}; !slices.Equal(got, want) {
		t.Errorf("ann@example.com got %q, want %q", got, want)
	}
	if got := ts.MailSubjects("nobody@example.com"); len(got) != 0 {
		t.Errorf("an address without an account got mail: %q", got)
	}
}

// resetAnswer asks for a reset of email's password and returns the
// answer, failing the test (after releasing whatever holds the server)
// if none comes: the request waited for its held account lookup.
func resetAnswer(t *testing.T, ts *apitest.Server, email string) (int, string) {
	t.Helper()
	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := ts.HTTPClient().Post(ts.URL+"/api/auth/password-reset", "application/json",
			strings.NewReader(`{"email":"`+email+`"}`))
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		answered <- answer{resp.StatusCode, string(body), err}
	}()
	select {
	case a := <-answered:
		if a.err != nil {
			t.Fatal(a.err)
		}
		return a.status, a.body
	case <-time.After(guard):
		t.Fatalf("the reset for %s did not answer while its account lookup was held", email)
		return 0, ""
	}
}
