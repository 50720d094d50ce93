package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/shared"
)

// credentialSource says how a request proved who it is.
type credentialSource int

const (
	fromCookie credentialSource = iota + 1
	fromBearer
)

type authenticated struct {
	auth.Principal
	source credentialSource
}

// callerKey keys a route's request context to its *caller.
type callerKey struct{}

// caller is the slot that requireAuth fills with the request's
// authenticated caller. serve puts an empty one in the request's context,
// with the client, before the guard runs, so the request is copied once
// (r.WithContext copies the whole request) rather than once for each.
type caller struct {
	authenticated
	ok bool
}

// routeContext is the context serve gives a route's request: the client,
// which auth.ClientFrom finds (the security events recorded while serving
// the request name it), and the caller slot. It is one allocation where
// context.WithValue takes two for each value (the boxed value and the
// context), on every request (BenchmarkServeMe counts them), and the
// client is only worked out from the request when an event asks for it.
type routeContext struct {
	context.Context
	request *http.Request // the request as it arrived, for its client
	caller  caller
}

func (c *routeContext) Value(key any) any {
	if _, ok := key.(callerKey); ok {
		return &c.caller
	}
	if auth.IsClientKey(key) {
		return clientOf(c.request)
	}
	return c.Context.Value(key)
}

// principalFrom returns the caller that requireAuth stored in the context.
func principalFrom(ctx context.Context) (authenticated, bool) {
	c, _ := ctx.Value(callerKey{}).(*caller)
	if c == nil || !c.ok {
		return authenticated{}, false
	}
	return c.authenticated, true
}

// withPrincipal records the request's authenticated caller: in the slot
// serve made, or else (a guard used outside a route) in a new context.
func withPrincipal(r *http.Request, p authenticated) *http.Request {
	if c, _ := r.Context().Value(callerKey{}).(*caller); c != nil {
		c.authenticated, c.ok = p, true
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), callerKey{}, &caller{authenticated: p, ok: true}))
}

// accessToken finds the access token of a request: the Authorization
// header when present (which must then be a well-formed Bearer header),
// else the access cookie.
func (a *API) accessToken(r *http.Request) (string, credentialSource, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.IndexByte(token, ' ') >= 0 || strings.IndexByte(token, '\t') >= 0 {
			return "", 0, shared.NewError(shared.CodeNotAuthenticated, "The Authorization header must be \"Bearer <access token>\".")
		}
		return token, fromBearer, nil
	}
	if token := a.cookies.access(r); token != "" {
		return token, fromCookie, nil
	}
	return "", 0, shared.NewError(shared.CodeNotAuthenticated, "Please log in.")
}

// guard wraps a route's handler in the check its Guard names.
func (a *API) guard(g Guard, next HandlerFunc) HandlerFunc {
	switch g {
	case RequireUser:
		return a.requireAuth(false, next)
	case RequireVerified:
		return a.requireAuth(true, next)
	case RequireStaff:
		return a.requireAuth(true, a.requireStaff(next))
	case RequireRecent:
		return a.requireAuth(true, a.requireRecent(next))
	}
	return next
}

// requireRecent lets through only a session that proved who its user is
// within the re-authentication window (403 reauth_required otherwise); it
// runs after requireAuth.
func (a *API) requireRecent(next HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, _ := principalFrom(r.Context())
		if !a.Recent(p.Principal) {
			return auth.ErrReauthRequired
		}
		return next(w, r)
	}
}

// requireAuth lets a request through only with a valid access token of a
// live session, and, for state-changing requests authenticated by cookie,
// a valid CSRF token. Bearer requests need no CSRF token: browsers never
// attach an Authorization header on their own, so a forged cross-site
// request cannot carry one. With verified set and the server requiring
// confirmed emails, an unconfirmed caller gets email_unverified.
func (a *API) requireAuth(verified bool, next HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		token, source, err := a.accessToken(r)
		if err != nil {
			return err
		}
		p, err := a.svc.Sessions.Authenticate(r.Context(), token)
		if err != nil {
			return err
		}
		if source == fromCookie && !isSafeMethod(r.Method) {
			if err := a.csrf.check(r, p.SessionID); err != nil {
				return err
			}
		}
		if verified && a.requireVerified && !p.EmailVerified {
			return errConfirmEmailFirst
		}
		return next(w, withPrincipal(r, authenticated{Principal: p, source: source}))
	}
}

// requireConfirmedEmail lets through only a caller whose email address is
// confirmed (403 email_unverified otherwise); it runs after requireAuth.
func (a *API) requireConfirmedEmail(next HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if p, _ := principalFrom(r.Context()); !p.EmailVerified {
			return errConfirmEmailFirst
		}
		return next(w, r)
	}
}

// requireLiveSession checks the caller's session in the database rather
// than the session cache (auth.Sessions.Recheck); it runs after
// requireAuth, on the routes that add a credential.
func (a *API) requireLiveSession(next HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, _ := principalFrom(r.Context())
		if err := a.svc.Sessions.Recheck(r.Context(), p.Principal); err != nil {
			return err
		}
		return next(w, r)
	}
}

// errConfirmEmailFirst is the answer to an unconfirmed caller.
var errConfirmEmailFirst = shared.NewError(shared.CodeEmailUnverified, "Confirm your email address first: open the link we sent you, or ask for a new one on your profile.")

// requireStaff lets only staff through (403 forbidden otherwise); it runs
// after requireAuth.
func (a *API) requireStaff(next HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, _ := principalFrom(r.Context())
		if _, err := a.svc.Admin.RequireStaff(r.Context(), p.Principal); err != nil {
			return err
		}
		return next(w, r)
	}
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// clientOf describes the caller for session records.
func clientOf(r *http.Request) auth.Client {
	return auth.Client{IP: remoteIP(r), UserAgent: r.UserAgent()}
}

// remoteIP is the address the request came from, without its port.
func remoteIP(r *http.Request) string {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return ip
}

// noStore keeps API answers (user data, tokens) out of every cache.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Cache-Control"] = noStoreValue
		next.ServeHTTP(w, r)
	})
}

var noStoreValue = headerValue("no-store")

// noStoreUnderAPI gives every response under /api/ Cache-Control:
// no-store, before anything else answers: the routes set it too (noStore),
// but the refusal of a cross-origin request is written before any route
// runs. A route may
// still replace it (GET /api/openapi.json is no-cache).
func noStoreUnderAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			w.Header()["Cache-Control"] = noStoreValue
		}
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status and size of a response for the log.
// The status is the final one: an informational response sent before it
// (103 Early Hints) is not the answer, but 101 Switching Protocols is.
type statusRecorder struct {
	http.ResponseWriter
	status int // or cutOff
	bytes  int
}

// cutOff is the status recoverPanics leaves when the response is to be
// cut off (http.ErrAbortHandler): logRequests logs it, then aborts. It
// is a status rather than a field of its own to keep statusRecorder, made
// for every request, to its size.
const cutOff = -1

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// RequestLine is one line of the request log.
type RequestLine struct {
	Time         time.Time // when the response was done
	Level        slog.Level
	Method, Path string
	Status       int
	Bytes        int // of the response body
	Latency      time.Duration
	IP           string
}

// RequestLineWriter is a log handler that can write the request log's
// line itself, as the same line slog would write from the record
// (logRequests makes the record otherwise). The server's handler
// (server/cli) does: slog's generic formatting of that one line per
// request was a quarter of the kit's own time on GET /api/me
// (BenchmarkServeMe).
// WriteRequestLine returns false to have the line go through slog after
// all (for a path it would have to escape, say).
type RequestLineWriter interface {
	WriteRequestLine(RequestLine) bool
}

// logRequests writes one line per request: method, path, status, size and
// latency. It logs the path only, never the query, headers or body, so no
// token or password reaches the log. It also tells observe (when set) of
// the request, by the pattern the mux matched: the mux records it in the
// request it was given, which is this one.
//
// Unless the handler writes the line itself (RequestLineWriter), it hands
// the record to the handler directly: Logger.LogAttrs would also walk the
// stack for the caller's address on every request (a tenth of the line's
// cost), which only AddSource reads, and which would always name this
// function anyway.
func logRequests(log *slog.Logger, observe RequestObserver, next http.Handler) http.Handler {
	handler := log.Handler()
	lineWriter, _ := handler.(RequestLineWriter)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		end := time.Now()
		if rec.status == cutOff {
			// The client gets a broken answer, whatever status it began
			// with: a failure on our side.
			rec.status = http.StatusInternalServerError
			defer panic(http.ErrAbortHandler)
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if observe != nil {
			observe.ObserveRequest(r.Pattern, rec.status, end.Sub(start))
		}
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		ctx := r.Context()
		if !handler.Enabled(ctx, level) {
			return
		}
		line := RequestLine{
			Time: end, Level: level, Method: r.Method, Path: r.URL.Path,
			Status: rec.status, Bytes: rec.bytes, Latency: end.Sub(start), IP: remoteIP(r),
		}
		if lineWriter != nil && lineWriter.WriteRequestLine(line) {
			return
		}
		handler.Handle(ctx, line.Record()) //nolint:errcheck // as Logger.LogAttrs: nowhere to report a failing log
	})
}

// Record is the line as a slog record.
func (l RequestLine) Record() slog.Record {
	rec := slog.NewRecord(l.Time, l.Level, "request", 0)
	rec.AddAttrs(
		slog.String("method", l.Method), slog.String("path", l.Path),
		slog.Int("status", l.Status), slog.Int("bytes", l.Bytes),
		slog.Duration("latency", l.Latency), slog.String("ip", l.IP))
	return rec
}

// recoverPanics turns a panic into a logged 500 with the JSON error body,
// so one bad request never takes the process down or leaks a stack trace;
// the headers the handler had set are dropped (errorHeaders).
// A panic after the response has begun cannot become a 500: that response
// is cut off instead (as a panic with http.ErrAbortHandler is), rather
// than sent whole with an error body glued to it. w is logRequests'
// statusRecorder, which logs a cut-off response before it aborts.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			rec, _ := w.(*statusRecorder)
			if v != http.ErrAbortHandler {
				log.ErrorContext(r.Context(), "panic", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rec == nil || rec.status == 0 {
					errorHeaders(w.Header())
					writeJSON(w, http.StatusInternalServerError, shared.ErrorBody{
						Error: shared.NewError(shared.CodeInternal, "Something went wrong on our side. Please try again."),
					})
					return
				}
			}
			if rec == nil {
				panic(http.ErrAbortHandler)
			}
			rec.status = cutOff
		}()
		next.ServeHTTP(w, r)
	})
}
