package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/notes"
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

// API is the HTTP surface of the kit. It serves requests itself
// (http.Handler) and lends its authentication to a fork's own handlers:
// RequireUser, RequireStaff, UserFrom, LogIn and LogOut (see doc.go).
type API struct {
	svc     *auth.Service
	notes   *notes.Service
	cookies cookieJar
	log     *slog.Logger
	health  func(context.Context) error
	now     func() time.Time
	mux     *http.ServeMux
	handler http.Handler

	requireVerified bool
}

// handlerFunc is an HTTP handler that returns its error; the router turns
// the error into the JSON error body.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// New returns the whole HTTP surface: the API, /healthz, the JWKS and the
// pages, wrapped in panic recovery, cross-origin protection and request
// logging. Its dependencies are its arguments: the auth service and the
// services of the resources it serves (the notes example).
func New(svc *auth.Service, notesSvc *notes.Service, opt Options) *API {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	a := &API{
		svc:     svc,
		notes:   notesSvc,
		cookies: newCookieJar(!opt.InsecureCookies),
		log:     opt.Logger,
		health:  opt.Health,
		now:     svc.Config().Now,
		mux:     http.NewServeMux(),

		requireVerified: svc.Config().RequireVerifiedEmail,
	}
	a.routes(a.mux, opt.Pages)

	// Browsers mark cross-site requests (Sec-Fetch-Site, Origin); refusing
	// every state-changing one blocks login CSRF and forged register or
	// logout requests before any handler runs.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, a.log, shared.NewError(shared.CodeCSRFFailed, "Cross-origin requests are not allowed."))
	}))
	a.handler = logRequests(a.log, recoverPanics(a.log, securityHeaders(cop.Handler(a.mux))))
	return a
}

// ServeHTTP serves a request.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// serve adapts a handlerFunc to http.Handler.
func (a *API) serve(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, a.log, err)
		}
	})
}
