// Package httpapi is the HTTP face of the auth service: routes, JSON
// decoding and encoding, cookies, CSRF and request logging. Handlers read
// like a story (decode, call the service, encode); everything about
// accounts and tokens lives in package auth.
//
// # For forks
//
// The whole API is listed in routes.go. A handler of the kit is a
// handlerFunc that returns its error; protecting one is one line:
//
//	r.handle("GET /api/reports", a.requireAuth(a.reports))
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
//   - API.Handle adds a route beside the kit's own; API.WriteError and
//     WriteJSON answer in the kit's shapes.
//
// The notes example (notes.go, package notes, app/notes.go) shows a whole
// resource built this way.
package httpapi
