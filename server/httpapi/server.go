package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Options configure the handler.
type Options struct {
	// InsecureCookies drops Secure and the __Host-/__Secure- name prefixes,
	// for plain-http deployments on hosts other than localhost.
	InsecureCookies bool
	// Modules are the features mounted beside the kit's own routes (see
	// Module), in order.
	Modules []Module
	// Pages serves everything outside /api/ (the web app); nil answers 404.
	Pages  http.Handler
	Logger *slog.Logger
	// Observer, when set, is told of every request served (package
	// metrics counts them for Prometheus).
	Observer RequestObserver
}

// RequestObserver is told of every request after its response: route is
// the ServeMux pattern that matched ("GET /api/me"; "" when none did),
// never the raw path, so whatever paths clients send, the set of routes
// stays that of the route table. It runs on every request: keep it cheap
// and safe for concurrent use.
type RequestObserver interface {
	ObserveRequest(route string, status int, elapsed time.Duration)
}

// API is the HTTP surface of the kit. It serves requests itself
// (http.Handler) and lends its authentication to a fork's own handlers:
// RequireUser, RequireStaff, UserFrom, LogIn and LogOut (see doc.go).
type API struct {
	svc     *auth.Service
	store   *store.Store
	cookies cookieJar
	csrf    *csrfTokens
	log     *slog.Logger
	now     func() time.Time
	router  *Router
	handler http.Handler
	// dataOwners are the modules that keep data about users (UserDataOwner).
	dataOwners []UserDataOwner
	// openAPIDoc is the OpenAPI document of the routes served.
	openAPIDoc openAPIFile
	// meBodies are the encoded answers of GET /api/me.
	meBodies encodedUsers

	requireVerified bool
	reauthWindow    time.Duration // RequireRecent's
}

// New returns the whole HTTP surface: the API with the routes of the
// modules in opt, /healthz, the JWKS and the pages, wrapped in panic
// recovery, cross-origin protection and request logging. It fails when a
// module cannot be mounted or its routes cannot be documented (a
// duplicate operationId, a type JSON cannot carry).
func New(svc *auth.Service, st *store.Store, opt Options) (*API, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	cookies := newCookieJar(!opt.InsecureCookies)
	cfg := svc.Config()
	csrf, err := newCSRFTokens(context.Background(), st, cfg.KeyEncryptionKey, cookies, cfg.Now().UTC(), opt.Logger)
	if err != nil {
		return nil, err
	}
	a := &API{
		svc:     svc,
		store:   st,
		cookies: cookies,
		csrf:    csrf,
		log:     opt.Logger,
		now:     svc.Config().Now,

		requireVerified: svc.Config().RequireVerifiedEmail,
		reauthWindow:    svc.Config().ReauthWindow,
	}
	for _, m := range opt.Modules {
		if o, ok := m.(UserDataOwner); ok {
			a.dataOwners = append(a.dataOwners, o)
		}
	}
	a.router = newRouter(a, mux)
	if err := a.serveRoutes(a.router, opt.Modules, opt.Pages); err != nil {
		return nil, err
	}
	if a.openAPIDoc, err = newOpenAPIFile(a.router); err != nil {
		return nil, err
	}
	h := securityHeaders(noStoreUnderAPI(denyCrossOrigin(a.log, a.router.refuseRedirects(mux))))
	// A scheme may be spelled in any case (RFC 3986 §3.1): HTTPS:// is https.
	if publicURL := svc.Config().PublicURL; len(publicURL) >= 8 && strings.EqualFold(publicURL[:8], "https://") {
		h = strictTransport(h)
	}
	a.handler = logRequests(a.log, opt.Observer, recoverPanics(a.log, h))
	return a, nil
}

// Routes returns every route served, the kit's and the modules', in the
// order they were added: what the OpenAPI document describes.
func (a *API) Routes() []Route { return a.router.Routes() }

// RoutePatterns returns the patterns a RequestObserver is told of for
// the requests the routes and catch-alls answer: each route's ("GET
// /api/me"), "/api/" (unknown API paths) and, with pages, "/". The
// patterns of the JSON 405s ("PUT /api/me", one per method a path does
// not take) are left out: five or so a path, and they refuse before
// anything could fail. Package metrics makes each route's 5xx series
// from these at start-up.
func (a *API) RoutePatterns() []string {
	patterns := make([]string, 0, len(a.router.routes)+len(a.router.catchAlls))
	for _, r := range a.router.routes {
		patterns = append(patterns, r.Pattern)
	}
	return append(patterns, a.router.catchAlls...)
}

// ServeHTTP serves a request.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// serve adapts a HandlerFunc to http.Handler. It gives the request the
// one context its route needs (routeContext): the client, which the
// security events recorded while serving it name (auth.ClientFrom), and
// the slot for the authenticated caller that the guard fills (caller).
// A path or query holding a NUL byte is refused first (errNULInAddress).
func (a *API) serve(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(&routeContext{Context: r.Context(), request: r})
		if hasNUL(r) {
			writeError(w, r, a.log, errNULInAddress)
			return
		}
		if err := h(w, r); err != nil {
			writeError(w, r, a.log, err)
		}
	})
}

// errNULInAddress refuses a path or query with a NUL byte: no id, search
// or filter can hold one (bun will not put one in a query, nor would the
// databases), so it would otherwise reach the database as an internal
// error.
var errNULInAddress = shared.NewError(shared.CodeValidationFailed, "The address holds a NUL character (%00).")

// hasNUL reports whether r's decoded path or query holds a NUL byte. In a
// query one can only come percent-encoded, and "%00" in a valid query is
// always one: a '%' is never the second or third character of an escape.
func hasNUL(r *http.Request) bool {
	return strings.IndexByte(r.URL.Path, 0) >= 0 || strings.Contains(r.URL.RawQuery, "%00")
}
