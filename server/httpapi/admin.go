package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/authkit/authkit/server/store"
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
	// No address or name is longer, so a longer term would match nothing;
	// SQLite refuses a LIKE pattern past 50,000 bytes.
	if utf8.RuneCountInString(q.Get("q")) > maxSearchLength {
		fields.Add("q", fmt.Sprintf("Must be at most %d characters long.", maxSearchLength))
	}
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

// maxSearchLength bounds staff's search term: the longest address
// (shared.MaxEmailLength), longer than the longest name.
const maxSearchLength = shared.MaxEmailLength

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

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	if err := a.svc.Admin.DeleteUser(r.Context(), p.Principal, r.PathValue("id"), a.RemoveUserData); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listEvents(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	filter, err := ReadEventPage(r)
	if err != nil {
		return err
	}
	events, err := a.svc.Admin.Events(r.Context(), p.Principal, filter)
	if err != nil {
		return err
	}
	resp := shared.AuditResponse{Events: make([]shared.AuditEvent, 0, len(events))}
	for i := range events {
		resp.Events = append(resp.Events, shared.AuditEvent{
			SecurityEvent: EventJSON(&events[i].SecurityEvent),
			UserID:        events[i].UserID, UserEmail: events[i].UserEmail,
			ActorID: events[i].ActorID, ActorEmail: events[i].ActorEmail,
		})
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// EventPageParams document the paging of an event list (ReadEventPage).
var EventPageParams = []Param{
	{Name: "limit", In: "query", Type: "integer", Description: "Page size; 0 means the default, 20, and values over 100 are taken as 100."},
	{Name: "before", In: "query", Description: "The id of the last event of the previous page; the page holds older events."},
}

// ReadEventPage reads the query of an event list: limit and before (see
// EventPageParams), and staff's filters (user_id, type, staff_actions).
// Bad values answer validation_failed.
func ReadEventPage(r *http.Request) (store.EventFilter, error) {
	q := r.URL.Query()
	var fields shared.FieldErrors
	f := store.EventFilter{UserID: q.Get("user_id"), Type: q.Get("type"), Before: q.Get("before")}
	f.Limit = queryInt(q.Get("limit"), 0, "limit", &fields)
	switch q.Get("staff_actions") {
	case "", "false":
	case "true":
		f.StaffActions = true
	default:
		fields.Add("staff_actions", `Must be "true" or "false".`)
	}
	for name, v := range map[string]string{"before": f.Before, "user_id": f.UserID, "type": f.Type} {
		if len(v) > 100 {
			fields.Add(name, "Must be at most 100 characters long.")
		}
	}
	return f, fields.Err()
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
