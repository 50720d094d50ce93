package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/authkit/authkit/shared"
)

// healthz answers 200 when the database answers, 503 otherwise, so a load
// balancer takes an instance out of rotation when its database is gone.
func (a *API) healthz(w http.ResponseWriter, r *http.Request) error {
	if a.store != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.store.Ping(ctx); err != nil {
			a.log.WarnContext(r.Context(), "health check failed", "err", err)
			return shared.NewError(shared.CodeUnavailable, "The database is unavailable.")
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, shared.Health{Status: "ok"})
	return nil
}

// jwks publishes the public signing keys so other services can verify
// access tokens themselves.
func (a *API) jwks(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, a.svc.Keys.JWKS())
	return nil
}
