package httpapi

import (
	"net/http"
	"strconv"

	"github.com/authkit/authkit/shared"
)

// Staff-only user management. The service checks that the caller is staff
// (403 forbidden otherwise) and who may change what.

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	q := r.URL.Query()
	var fields shared.FieldErrors
	limit := queryInt(q.Get("limit"), shared.DefaultPageSize, "limit", &fields)
	offset := queryInt(q.Get("offset"), 0, "offset", &fields)
	if err := fields.Err(); err != nil {
		return err
	}
	users, total, err := a.svc.Admin.ListUsers(r.Context(), p.Principal, q.Get("q"), limit, offset)
	if err != nil {
		return err
	}
	resp := shared.UsersResponse{Users: make([]shared.User, 0, len(users)), Total: total}
	for i := range users {
		resp.Users = append(resp.Users, userJSON(&users[i]))
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// queryInt parses an optional non-negative integer query parameter.
func queryInt(s string, def int, name string, fields *shared.FieldErrors) int {
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		fields.Add(name, "Must be a whole number, 0 or more.")
		return def
	}
	return n
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	req, err := decode[shared.AdminUpdateUserRequest](w, r)
	if err != nil {
		return err
	}
	u, err := a.svc.Admin.UpdateUser(r.Context(), p.Principal, r.PathValue("id"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, shared.UserResponse{User: userJSON(u)})
	return nil
}

// resetFactors removes a user's second factors and passkeys and signs
// them out everywhere (superusers only).
func (a *API) resetFactors(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	u, err := a.svc.Admin.ResetFactors(r.Context(), p.Principal, r.PathValue("id"))
	if err != nil {
		return err
	}
	a.svc.Notify(r.Context(), u.ID, "two_factor_off", "reset by an administrator")
	writeJSON(w, http.StatusOK, shared.UserResponse{User: userJSON(u)})
	return nil
}
