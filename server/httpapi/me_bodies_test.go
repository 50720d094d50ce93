package httpapi

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/authkit/authkit/shared"
)

// TestEncodedUsers_ReusedOnlyForTheSameUser: the cached GET /api/me body
// is writeJSON's bytes, and any change to a field on the wire, the last
// login's time included, makes a new one.
func TestEncodedUsers_ReusedOnlyForTheSameUser(t *testing.T) {
	login := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	u := shared.User{ID: "u1", Email: "ann@example.com", Name: "Ann", IsActive: true, DateJoined: login, LastLogin: &login}
	var c encodedUsers

	first := c.body(u)
	rec := httptest.NewRecorder()
	writeJSON(rec, 200, shared.UserResponse{User: u})
	if !bytes.Equal(first, rec.Body.Bytes()) {
		t.Fatalf("cached body %s, writeJSON writes %s", first, rec.Body.Bytes())
	}
	if again := c.body(u); &again[0] != &first[0] {
		t.Error("the same user was encoded again")
	}

	later := login.Add(time.Second)
	login = later // the caller's time changes under its pointer: the entry kept its own copy
	if bytes.Equal(c.body(u), first) {
		t.Error("a last login changed in place still got the old body")
	}
	changes := map[string]func(*shared.User){
		"name":           func(u *shared.User) { u.Name = "Bob" },
		"email verified": func(u *shared.User) { u.EmailVerified = true },
		"last login":     func(u *shared.User) { u.LastLogin = &later },
		"no last login":  func(u *shared.User) { u.LastLogin = nil },
	}
	for name, change := range changes {
		v := u
		v.LastLogin = new(time.Time)
		*v.LastLogin = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		c.body(v) // back to the original
		change(&v)
		got := c.body(v)
		rec := httptest.NewRecorder()
		writeJSON(rec, 200, shared.UserResponse{User: v})
		if !bytes.Equal(got, rec.Body.Bytes()) {
			t.Errorf("after a change of %s: body %s, want %s", name, got, rec.Body.Bytes())
		}
	}
}
