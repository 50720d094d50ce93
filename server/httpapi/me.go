package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/authkit/authkit/shared"
)

// The logged-in user's own account and sessions. Every handler here runs
// behind requireAuth.

// me answers GET /api/me, the hottest endpoint: the account comes from
// the service's user cache, and its JSON from meBodies while it has not
// changed.
func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	u, err := a.svc.Accounts.User(r.Context(), p.Principal)
	if err != nil {
		return err
	}
	writeEncoded(w, http.StatusOK, a.meBodies.body(userJSON(u)))
	return nil
}

// encodedUsers keeps the encoded GET /api/me answer of each user, next to
// the exact shared.User it was made from. A body is reused only for an
// equal user (every field, LastLogin's time included), so it can never be
// staler than the account the service returned for this request: the
// cache saves the encoding, not the lookup.
type encodedUsers struct {
	mu      sync.RWMutex
	entries map[string]encodedUser
}

type encodedUser struct {
	user shared.User
	body []byte
}

// maxEncodedUsers bounds the cache; about 400 bytes an entry.
const maxEncodedUsers = 10_000

// body returns writeJSON's encoding of shared.UserResponse{User: u}.
func (c *encodedUsers) body(u shared.User) []byte {
	c.mu.RLock()
	e, ok := c.entries[u.ID]
	c.mu.RUnlock()
	if ok && sameUser(e.user, u) {
		return e.body
	}
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(shared.UserResponse{User: u}) //nolint:errcheck // strings, bools and times always encode
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxEncodedUsers {
		c.entries = make(map[string]encodedUser) // the encodings are cheap to redo
	}
	if u.LastLogin != nil {
		last := *u.LastLogin // the entry's own copy: the caller's may change
		u.LastLogin = &last
	}
	c.entries[u.ID] = encodedUser{user: u, body: buf.Bytes()}
	return buf.Bytes()
}

// sameUser compares every field that goes on the wire; time.Time's ==
// also compares the location, so it errs only towards encoding again.
func sameUser(a, b shared.User) bool {
	if (a.LastLogin == nil) != (b.LastLogin == nil) || (a.LastLogin != nil && *a.LastLogin != *b.LastLogin) {
		return false
	}
	a.LastLogin, b.LastLogin = nil, nil
	return a == b
}

func (a *API) updateMe(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	req, err := decode[shared.UpdateProfileRequest](w, r)
	if err != nil {
		return err
	}
	u, err := a.svc.Accounts.UpdateProfile(r.Context(), p.Principal, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, shared.UserResponse{User: userJSON(u)})
	return nil
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	req, err := decode[shared.ChangePasswordRequest](w, r)
	if err != nil {
		return err
	}
	if err := a.svc.Accounts.ChangePassword(r.Context(), p.Principal, req); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) sessions(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	list, err := a.svc.Sessions.List(r.Context(), p.Principal)
	if err != nil {
		return err
	}
	resp := shared.SessionsResponse{Sessions: make([]shared.Session, 0, len(list))}
	for i := range list {
		resp.Sessions = append(resp.Sessions, sessionJSON(&list[i], p.SessionID))
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (a *API) revokeSession(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	if err := a.svc.Sessions.Revoke(r.Context(), p.Principal, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
