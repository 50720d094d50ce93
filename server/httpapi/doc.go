// Package httpapi is the HTTP face of the auth service: routes, JSON
// decoding and encoding, cookies, CSRF and request logging. Handlers read
// like a story (decode, call the service, encode); everything about
// accounts and tokens lives in package auth.
//
// # For forks
//
// A fork's feature is a Module (module.go): its own package under server/
// that returns Route declarations (route.go) with their guard and
// request/response types, brings its migrations, and takes one line in
// main.go. The kit's own routes are listed in routes.go.
//
// Plain net/http handlers (from other packages) use the exported helpers,
// the Go counterparts of Django's login(), logout(), authentication class
// and middleware:
//
//   - API.RequireUser wraps a handler so only logged-in users reach it
//     (cookie or Bearer; CSRF enforced for cookie writes);
//   - API.RequireStaff does the same for staff;
//   - UserFrom returns the caller inside such a handler;
//   - API.LogIn starts a session for a user authenticated some other way
//     (an OAuth callback), with the same cookies and revocation as a
//     password login; API.LogOut ends it;
//   - API.WriteError and WriteJSON answer in the kit's shapes.
//
// Package apitest starts this API over real HTTPS on a real database for
// a module's tests. The notes example (server/notes) is a whole module
// built this way; docs/adding-a-protected-endpoint.md builds another.
package httpapi
