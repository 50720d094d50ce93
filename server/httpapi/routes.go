package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/authkit/authkit/shared"
)

// routes lists the whole HTTP surface in one place. It returns the
// "METHOD /path" patterns it registered, so a test can hold openapi.json
// to them.
func (a *API) routes(mux *http.ServeMux, pages http.Handler) []string {
	r := newRouter(a, mux)

	// Browser flow: cookies.
	r.handle("POST /api/auth/register", a.register)
	r.handle("POST /api/auth/login", a.login)
	r.handle("POST /api/auth/refresh", a.refresh)
	r.handle("POST /api/auth/logout", a.logout)
	r.handle("POST /api/auth/logout-all", a.logoutAll)

	// Account recovery and email confirmation, by mailed single-use links.
	r.handle("POST /api/auth/password-reset", a.requestPasswordReset)
	r.handle("POST /api/auth/password-reset/confirm", a.confirmPasswordReset)
	r.handle("POST /api/auth/verify-email", a.verifyEmail)
	r.handle("POST /api/me/verify-email/resend", a.requireAuth(a.resendVerification))

	// Token flow for API clients (DRF SimpleJWT shapes).
	r.handle("POST /api/token", a.obtainToken)
	r.handle("POST /api/token/refresh", a.refreshToken)
	r.handle("POST /api/token/verify", a.verifyToken)

	// The logged-in user.
	r.handle("GET /api/me", a.requireAuth(a.me))
	r.handle("PATCH /api/me", a.requireAuth(a.updateMe))
	r.handle("POST /api/me/password", a.requireAuth(a.changePassword))
	r.handle("GET /api/me/sessions", a.requireAuth(a.sessions))
	r.handle("DELETE /api/me/sessions/{id}", a.requireAuth(a.revokeSession))

	// Staff.
	r.handle("GET /api/admin/users", a.requireAuth(a.listUsers))
	r.handle("PATCH /api/admin/users/{id}", a.requireAuth(a.updateUser))

	// The private notes example (see the README to delete it).
	r.handle("GET /api/notes", a.requireAuth(a.listNotes))
	r.handle("POST /api/notes", a.requireAuth(a.createNote))
	r.handle("PATCH /api/notes/{id}", a.requireAuth(a.updateNote))
	r.handle("DELETE /api/notes/{id}", a.requireAuth(a.deleteNote))

	// Other: this API described in OpenAPI 3.1 (openapi.json).
	r.handle("GET /api/openapi.json", a.openAPI)

	r.finish()

	mux.Handle("/api/", noStore(a.serve(func(http.ResponseWriter, *http.Request) error {
		return shared.NewError(shared.CodeNotFound, "There is no such API endpoint.")
	})))
	r.mount("GET /healthz", a.serve(a.healthz))
	r.mount("GET /.well-known/jwks.json", a.serve(a.jwks))
	if pages != nil {
		mux.Handle("/", pages)
	}
	return r.patterns
}

// router registers API handlers and, for each path, a catch-all that
// answers other methods with a JSON 405 and an Allow header (the standard
// mux would answer in plain text).
type router struct {
	a        *API
	mux      *http.ServeMux
	methods  map[string][]string // path → methods
	patterns []string            // every "METHOD /path" registered, in order
}

func newRouter(a *API, mux *http.ServeMux) *router {
	return &router{a: a, mux: mux, methods: map[string][]string{}}
}

func (rt *router) handle(pattern string, h handlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	rt.methods[path] = append(rt.methods[path], method)
	rt.patterns = append(rt.patterns, pattern)
	rt.mux.Handle(pattern, noStore(rt.a.serve(h)))
}

// mount registers a handler outside the API's conventions (no JSON 405,
// no Cache-Control: no-store), for endpoints that set their own, such as
// the health check and the public keys.
func (rt *router) mount(pattern string, h http.Handler) {
	rt.patterns = append(rt.patterns, pattern)
	rt.mux.Handle(pattern, h)
}

func (rt *router) finish() {
	for path, methods := range rt.methods {
		if slices.Contains(methods, http.MethodGet) {
			methods = append(methods, http.MethodHead)
		}
		allow := strings.Join(methods, ", ")
		rt.mux.Handle(path, noStore(rt.a.serve(func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Allow", allow)
			return shared.NewError(shared.CodeMethodNotAllowed, "This endpoint does not accept "+r.Method+" requests.")
		})))
	}
}
