// Package httpapi is the HTTP face of the auth service: routes, JSON
// decoding and encoding, cookies, CSRF and request logging. Handlers read
// like a story (decode, call the service, encode); everything about
// accounts and tokens lives in package auth.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/shared"
)

// Options configure the handler.
type Options struct {
	// InsecureCookies drops Secure and the __Host-/__Secure- name prefixes,
	// for plain-http deployments on hosts other than localhost.
	InsecureCookies bool
	// Health checks the database for /healthz; nil reports healthy.
	Health func(context.Context) error
	// Pages serves everything outside /api/ (the web app); nil answers 404.
	Pages  http.Handler
	Logger *slog.Logger
}

// api holds what the handlers share.
type api struct {
	svc     *auth.Service
	cookies cookieJar
	log     *slog.Logger
	health  func(context.Context) error
	now     func() time.Time

	requireVerified bool
}

// handlerFunc is an HTTP handler that returns its error; the router turns
// the error into the JSON error body.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// New returns the whole HTTP surface: the API, /healthz, the JWKS and the
// pages, wrapped in panic recovery, cross-origin protection and request
// logging.
func New(svc *auth.Service, opt Options) http.Handler {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	a := &api{
		svc:     svc,
		cookies: newCookieJar(!opt.InsecureCookies),
		log:     opt.Logger,
		health:  opt.Health,
		now:     svc.Config().Now,

		requireVerified: svc.Config().RequireVerifiedEmail,
	}
	mux := http.NewServeMux()
	a.routes(mux, opt.Pages)

	// Browsers mark cross-site requests (Sec-Fetch-Site, Origin); refusing
	// every state-changing one blocks login CSRF and forged register or
	// logout requests before any handler runs.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, a.log, shared.NewError(shared.CodeCSRFFailed, "Cross-origin requests are not allowed."))
	}))
	return logRequests(a.log, recoverPanics(a.log, cop.Handler(mux)))
}

// serve adapts a handlerFunc to http.Handler.
func (a *api) serve(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, a.log, err)
		}
	})
}
