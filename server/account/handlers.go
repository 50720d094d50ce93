package account

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// handlers are the module's endpoints: decode, call the core, encode.
type handlers struct {
	kit    *httpapi.Kit
	owners []httpapi.UserDataOwner // the modules that keep data about users
}

// dataOwners are the modules among all that keep data about users.
func dataOwners(modules []httpapi.Module) []httpapi.UserDataOwner {
	var owners []httpapi.UserDataOwner
	for _, m := range modules {
		if o, ok := m.(httpapi.UserDataOwner); ok {
			owners = append(owners, o)
		}
	}
	return owners
}

// removeData deletes every module's data about a user, inside the
// deletion's transaction.
func (h handlers) removeData(ctx context.Context, tx *store.Store, userID string) error {
	for _, o := range h.owners {
		if err := o.DeleteUserData(ctx, tx, userID); err != nil {
			return fmt.Errorf("module %s: deleting a user's data: %w", o.Name(), err)
		}
	}
	return nil
}

func (h handlers) requestEmailChange(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	req, err := httpapi.Decode[shared.ChangeEmailRequest](w, r)
	if err != nil {
		return err
	}
	if err := h.kit.Auth.Recovery.RequestEmailChange(r.Context(), caller, req); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, shared.Accepted{
		Message: "We sent a link to " + req.NewEmail + ". Your address changes when you open it.",
	})
	return nil
}

func (h handlers) confirmEmailChange(w http.ResponseWriter, r *http.Request) error {
	req, err := httpapi.Decode[shared.ConfirmEmailChangeRequest](w, r)
	if err != nil {
		return err
	}
	var caller *auth.Principal
	if p, ok := h.kit.API.Caller(r); ok {
		caller = &p
	}
	u, err := h.kit.Auth.Recovery.ConfirmEmailChange(r.Context(), req, caller)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, shared.UserResponse{User: httpapi.UserJSON(u)})
	return nil
}

func (h handlers) deleteMe(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	req, err := httpapi.Decode[shared.DeleteAccountRequest](w, r)
	if err != nil {
		return err
	}
	if err := h.kit.Auth.Accounts.DeleteAccount(r.Context(), caller, req, h.removeData); err != nil {
		return err
	}
	h.kit.API.ClearSessionCookies(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h handlers) adminDelete(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	if err := h.kit.Auth.Admin.DeleteUser(r.Context(), caller, r.PathValue("id"), h.removeData); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h handlers) activity(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	page, err := readPage(r)
	if err != nil {
		return err
	}
	events, err := h.kit.Auth.Activity.List(r.Context(), caller, page.Before, page.Limit)
	if err != nil {
		return err
	}
	resp := shared.ActivityResponse{Events: make([]shared.SecurityEvent, 0, len(events))}
	for i := range events {
		resp.Events = append(resp.Events, eventJSON(&events[i]))
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
	return nil
}

func (h handlers) adminEvents(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	filter, err := readPage(r)
	if err != nil {
		return err
	}
	events, err := h.kit.Auth.Admin.Events(r.Context(), caller, filter)
	if err != nil {
		return err
	}
	resp := shared.AuditResponse{Events: make([]shared.AuditEvent, 0, len(events))}
	for i := range events {
		resp.Events = append(resp.Events, shared.AuditEvent{
			SecurityEvent: eventJSON(&events[i].SecurityEvent),
			UserID:        events[i].UserID, UserEmail: events[i].UserEmail,
			ActorID: events[i].ActorID, ActorEmail: events[i].ActorEmail,
		})
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
	return nil
}

// readPage reads the query parameters of the event lists: limit, before,
// and staff's filters (user_id, type, staff_actions).
func readPage(r *http.Request) (store.EventFilter, error) {
	q := r.URL.Query()
	var fields shared.FieldErrors
	f := store.EventFilter{UserID: q.Get("user_id"), Type: q.Get("type"), Before: q.Get("before")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			fields.Add("limit", "Must be a whole number, 0 or more.")
		}
		f.Limit = n
	}
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

// eventJSON is the wire form of a stored event.
func eventJSON(e *store.SecurityEvent) shared.SecurityEvent {
	detail := e.Detail
	if detail == nil {
		detail = map[string]string{}
	}
	return shared.SecurityEvent{ID: e.ID, Type: shared.EventType(e.Type), At: e.At, IP: e.IP, UserAgent: e.UserAgent, Detail: detail}
}
