package httpapi

import (
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/authkit/authkit/shared"
)

// Route declares one endpoint: who may call it, what it reads and answers,
// and the handler. The router serves it (with the guard, the JSON 405 of
// its path and Cache-Control: no-store), and the OpenAPI document is
// generated from the same declaration, so the two cannot drift apart.
// The kit's routes are in routes.go; a module returns its own from Mount.
type Route struct {
	// Pattern is "METHOD /path", as net/http.ServeMux takes it, with
	// {name} wildcards for path parameters.
	Pattern string
	// Guard says who may call the route (Public when zero).
	Guard Guard
	// Summary is one line for the document; Description may say more
	// (Markdown).
	Summary, Description string
	// Tag groups the route in the document; a module's routes default to
	// the module's name.
	Tag string
	// Request is a value of the JSON request body's type (read with
	// Decode), or nil when the route takes no body.
	Request any
	// OptionalBody says that the Request body may be left out (the
	// handler reads it with DecodeOptional): the document then marks it
	// as not required.
	OptionalBody bool
	// Response is a value of the JSON response body's type, or nil when the
	// route answers without a body.
	Response any
	// Status is the success status: 200 by default, 204 when Response is
	// nil.
	Status int
	// Returns describes the success response in the document ("The new
	// account, logged in."); the status text by default.
	Returns string
	// Name is the operation's id in the document (camelCase, unique); by
	// default it is made from the pattern.
	Name string
	// Params describes the path wildcards and the query parameters the
	// handler reads. A path wildcard left out is documented as a string.
	Params []Param
	// Errors lists the error codes the handler itself may answer. The
	// document adds the others: the guard's, a request body's
	// (invalid_json, body_too_large, unsupported_media_type,
	// validation_failed), csrf_failed for state-changing methods, and
	// what every route can answer: internal, unavailable and
	// validation_failed (a NUL byte in the path or query).
	Errors []shared.Code
	// Handler serves the request. It returns its error, which the router
	// turns into the JSON error body (see WriteError).
	Handler HandlerFunc
	// ClearsSession says that a success ends the caller's session and
	// clears its cookies (API.ClearSessionCookies), for the document's
	// Set-Cookie header.
	ClearsSession bool
	// AddsCredential says that the route adds a credential to the
	// caller's account (a passkey, a TOTP secret): it then needs a
	// confirmed email address, whatever --require-verified-email says
	// (403 email_unverified otherwise). Until the address is confirmed,
	// whoever signed up may not be its owner; a credential planted then
	// would outlast the owner's taking the account back (account
	// pre-hijacking). For the same reason the session is checked in the
	// database, not the session cache, so a reset on another server ends
	// it here at once.
	AddsCredential bool

	// security overrides what the guard implies in the document, for the
	// few kit routes that authenticate themselves (refresh, logout).
	security []securityRequirement
	// outsideAPI marks the kit's routes outside /api/ (/healthz, the JWKS):
	// they set their own caching and get no JSON 405.
	outsideAPI bool
	// cookies is what the route does to the session cookies, for the
	// document's Set-Cookie headers.
	cookies cookieEffect
	// codeStatus documents codes this route answers with another status
	// than their own (shared.Error.HTTPStatus): invalid_code is a 401 at
	// the login's second step.
	codeStatus map[shared.Code]int
}

// cookieEffect is what a kit route does to the session cookies.
type cookieEffect int

const (
	keepsCookies cookieEffect = iota
	setsCookies
	clearsCookies
)

// securityRequirement is one way to authenticate, as OpenAPI lists it:
// every named scheme at once (an empty one means "none needed").
type securityRequirement []string

// Param is a path wildcard or a query parameter of a route.
type Param struct {
	Name string
	// In is "path" or "query".
	In          string
	Description string
	// Type is the JSON type: "string" (the default) or "integer".
	Type string
}

// HandlerFunc is an HTTP handler that returns its error; the router turns
// the error into the kit's JSON error body.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Guard says who may call a route. The router checks it before the
// handler runs; the handler finds the caller with UserFrom.
type Guard int

const (
	// Public routes are open to anyone; they check any credentials
	// themselves (login, refresh).
	Public Guard = iota
	// RequireUser admits a valid access token (cookie or Bearer) of a live
	// session, with the CSRF token for state-changing cookie requests,
	// even when the email is not confirmed yet: for the few routes such a
	// user needs (their profile, resending the confirmation mail).
	RequireUser
	// RequireVerified is RequireUser plus, when the server runs with
	// --require-verified-email, a confirmed email (else 403
	// email_unverified). Use it for everything a user does.
	RequireVerified
	// RequireStaff is RequireVerified for staff only (else 403 forbidden).
	RequireStaff
	// RequireRecent is RequireVerified for a session that proved who its
	// user is within the re-authentication window (--reauth-window,
	// default 10 minutes): its login, or a later POST /api/auth/reauth.
	// Others get 403 reauth_required. Use it for sensitive actions:
	// changing the password, turning a second factor on or off, adding or
	// removing a passkey (OWASP ASVS 3.7.1).
	RequireRecent
)

// String names the guard as the route table in the README does.
func (g Guard) String() string {
	return [...]string{"public", "user", "verified", "staff", "recent"}[g]
}

// errors are the codes the guard may answer with.
func (g Guard) errors() []shared.Code {
	switch g {
	case RequireUser:
		return []shared.Code{shared.CodeNotAuthenticated, shared.CodeTokenExpired, shared.CodeCSRFFailed}
	case RequireVerified:
		return []shared.Code{shared.CodeNotAuthenticated, shared.CodeTokenExpired, shared.CodeCSRFFailed, shared.CodeEmailUnverified}
	case RequireStaff:
		return []shared.Code{shared.CodeNotAuthenticated, shared.CodeTokenExpired, shared.CodeCSRFFailed, shared.CodeEmailUnverified, shared.CodeForbidden}
	case RequireRecent:
		return []shared.Code{shared.CodeNotAuthenticated, shared.CodeTokenExpired, shared.CodeCSRFFailed, shared.CodeEmailUnverified, shared.CodeReauthRequired}
	}
	return nil
}

// method and path split the pattern.
func (rt *Route) method() string { m, _, _ := strings.Cut(rt.Pattern, " "); return m }
func (rt *Route) path() string   { _, p, _ := strings.Cut(rt.Pattern, " "); return p }

// successStatus is Status with its default filled in.
func (rt *Route) successStatus() int {
	switch {
	case rt.Status != 0:
		return rt.Status
	case rt.Response == nil:
		return http.StatusNoContent
	default:
		return http.StatusOK
	}
}

// Router registers routes on the API's mux: each behind its guard, and
// for each path a catch-all that answers other methods with a JSON 405 and
// an Allow header (the standard mux would answer in plain text). It keeps
// every route, and the modules' descriptions of their tags, for the
// OpenAPI document.
type Router struct {
	api        *API
	mux        *http.ServeMux
	methods    map[string][]string // path → methods
	allow      map[string]string   // path → its Allow header (finish)
	routes     []Route
	moduleTags map[string]string // tag → description
	// catchAlls are the patterns served besides the routes: the JSON 404
	// of unknown API paths, and the pages.
	catchAlls []string
	// slashRoutes says that an API pattern ends in "/", "{$}" or
	// "{name...}": the mux redirects the path without that slash to it
	// (refuseRedirects).
	slashRoutes bool
}

func newRouter(a *API, mux *http.ServeMux) *Router {
	return &Router{api: a, mux: mux, methods: map[string][]string{}, allow: map[string]string{}, moduleTags: map[string]string{}}
}

// Add serves routes. A pattern served twice panics at start-up, as
// http.ServeMux does.
func (rt *Router) Add(routes ...Route) {
	for _, route := range routes {
		rt.routes = append(rt.routes, route)
		handler := route.Handler
		if route.AddsCredential {
			handler = rt.api.requireConfirmedEmail(rt.api.requireLiveSession(handler))
		}
		h := rt.api.serve(rt.api.guard(route.Guard, handler))
		if route.outsideAPI {
			rt.mux.Handle(route.Pattern, h)
			continue
		}
		path := route.path()
		rt.methods[path] = append(rt.methods[path], route.method())
		rt.slashRoutes = rt.slashRoutes || strings.HasSuffix(path, "/") || strings.HasSuffix(path, "{$}") || strings.HasSuffix(path, "...}")
		rt.mux.Handle(route.Pattern, noStore(h))
	}
}

// Routes returns every route added so far, in order.
func (rt *Router) Routes() []Route { return slices.Clone(rt.routes) }

// standardMethods are the methods a path's JSON 405 answers (RFC 9110's
// and PATCH; a GET pattern also answers HEAD); other method names reach
// the /api/ catch-all, which answers the same 405 (allowOf).
var standardMethods = []string{
	http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodTrace, http.MethodConnect,
}

// finish adds the JSON 405 of every path. Each refused method gets a
// pattern of its own ("PUT /api/me/passkeys/begin") rather than one
// method-less pattern for the path, which net/http would find in conflict
// with a sibling wildcard route ("PATCH /api/me/passkeys/{id}").
func (rt *Router) finish() {
	for path, methods := range rt.methods {
		if slices.Contains(methods, http.MethodGet) {
			methods = append(methods, http.MethodHead)
		}
		allow := strings.Join(methods, ", ")
		rt.allow[path] = allow
		refuse := noStore(rt.api.serve(func(w http.ResponseWriter, r *http.Request) error {
			return methodNotAllowed(w, r, allow)
		}))
		for _, m := range standardMethods {
			if !slices.Contains(methods, m) {
				rt.mux.Handle(m+" "+path, refuse)
			}
		}
	}
}

// methodNotAllowed is the JSON 405 of a path served with the methods in
// allow.
func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) error {
	w.Header().Set("Allow", allow)
	return shared.NewError(shared.CodeMethodNotAllowed, "This endpoint does not accept "+r.Method+" requests.")
}

// refuseRedirects answers with the JSON 404 of an unknown API path
// (not_found) the requests under /api/ that mux would redirect: an
// unclean path (/api//me, /api/./me, /api/me/../me) and one without the
// trailing slash of a pattern (/api for the catch-all "/api/",
// /api/files for "GET /api/files/"). The mux answers those 307 with an
// HTML body, where every API answer is the kit's JSON; and a client is
// to send the path it means, not have a POST's body sent twice. Outside
// /api/ (the pages) the mux's redirects stay.
//
// Only a path the mux might redirect is looked up an extra time: one
// holding "//" or "/.", /api itself and, when some API pattern ends in a
// slash, {$} or {name...} (none of the kit's own do), one without a
// trailing slash. The request is counted under the catch-all's pattern,
// as the unknown path it is answered as.
func (rt *Router) refuseRedirects(mux *http.ServeMux) http.Handler {
	notFound := noStore(rt.api.serve(func(http.ResponseWriter, *http.Request) error { return errNoSuchEndpoint }))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.mayRedirect(r.URL.Path) {
			if h, _ := mux.Handler(r); reflect.TypeOf(h) == redirectHandlerType {
				r.Pattern = "/api/"
				notFound.ServeHTTP(w, r)
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// redirectHandlerType is the type of the handler ServeMux.Handler returns
// for a request it redirects.
var redirectHandlerType = reflect.TypeOf(http.RedirectHandler("/", http.StatusTemporaryRedirect))

// mayRedirect reports whether the mux might redirect path under /api/
// (refuseRedirects): a quick test, which the mux's own lookup settles.
func (rt *Router) mayRedirect(path string) bool {
	rest, ok := strings.CutPrefix(path, "/api")
	switch {
	case !ok || rest != "" && rest[0] != '/':
		return false
	case rest == "":
		return true
	}
	return strings.Contains(rest, "//") || strings.Contains(rest, "/.") || rt.slashRoutes && !strings.HasSuffix(rest, "/")
}

// allowOf returns the Allow header of the path r asks for when the API
// serves that path, for a method no pattern names ("PROPFIND"), which
// reaches the /api/ catch-all. The mux finds the path as for a GET,
// which every path has a pattern for (its route's or its 405's).
func (rt *Router) allowOf(r *http.Request) (string, bool) {
	probe := *r
	probe.Method = http.MethodGet
	_, pattern := rt.mux.Handler(&probe)
	_, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return "", false
	}
	allow, ok := rt.allow[path]
	return allow, ok
}
