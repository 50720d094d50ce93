package account

import (
	"fmt"
	"net/http"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/shared"
)

// export answers with everything the server keeps about the caller (GDPR
// Art. 15 and 20), as a file to save: the account, its sessions, its
// security events and each module's data, under the module's name.
func (h handlers) export(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	caller, _ := httpapi.UserFrom(ctx)
	u, err := h.kit.Auth.Accounts.User(ctx, caller)
	if err != nil {
		return err
	}
	sessions, err := h.kit.Store.UserSessions(ctx, u.ID)
	if err != nil {
		return err
	}
	events, err := h.kit.Auth.Activity.All(ctx, u.ID)
	if err != nil {
		return err
	}
	now := h.kit.Now().UTC()
	out := shared.AccountExport{
		ExportedAt:     now,
		Account:        httpapi.UserJSON(u),
		Sessions:       make([]shared.ExportedSession, 0, len(sessions)),
		SecurityEvents: make([]shared.SecurityEvent, 0, len(events)),
	}
	for i := range sessions {
		out.Sessions = append(out.Sessions, shared.ExportedSession{
			Session:   httpapi.SessionJSON(&sessions[i], caller.SessionID),
			ExpiresAt: sessions[i].ExpiresAt, RevokedAt: sessions[i].RevokedAt,
		})
	}
	for i := range events {
		out.SecurityEvents = append(out.SecurityEvents, httpapi.EventJSON(&events[i]))
	}
	if out.Modules, err = h.kit.API.ExportUserData(ctx, u.ID); err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="authkit-data-%s.json"`, now.Format("2006-01-02")))
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}
