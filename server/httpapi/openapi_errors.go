package httpapi

import (
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/authkit/authkit/shared"
)

// The error responses of the document: which codes a route can answer,
// and for each status an ErrorBody whose code is narrowed to those codes,
// so a client generator or reader sees exactly what can come back.

// codeMeanings explains each code, for the ErrorCode enum and the error
// responses. A test holds it to shared.Codes.
var codeMeanings = map[shared.Code]string{
	shared.CodeValidationFailed:     "a field (or query parameter) breaks a rule; `fields` names each and says why. Also, without `fields`, for any path or query holding a NUL byte (`%00`), and any request body with a NUL character in a string (`\\u0000`)",
	shared.CodeInvalidJSON:          "malformed JSON, a wrong JSON type, an unknown or duplicated member (names are case-sensitive), invalid UTF-8 or trailing data",
	shared.CodeInvalidToken:         "a mailed link's token (password reset, email confirmation, email change) that is used, expired or unknown: ask for a new link",
	shared.CodeWrongPassword:        "`current_password` is not the account's password (`fields.current_password` says so)",
	shared.CodeLastSuperuser:        "the account is the last active superuser: make another superuser before deleting or deactivating it",
	shared.CodeLastLoginMethod:      "the change would leave the account with no way to sign in (its only connected account, and no password): set a password first",
	shared.CodeUnsupportedMediaType: "a body sent without `Content-Type: application/json`",
	shared.CodeBodyTooLarge:         "a body over 1 MiB",
	shared.CodeInvalidCredentials:   "unknown email, wrong password or inactive account, one answer for all (after the same hashing work), so it reveals no account",
	shared.CodeMFARequired:          "the password was right, but the account has a second factor: no session was started; the body's `mfa_token` and `methods` lead to `POST /api/auth/login/mfa` (or `/api/token/mfa`)",
	shared.CodeInvalidCode:          "a one-time code (an authenticator app's, a recovery code) or a passkey assertion that is wrong or already used (`fields.code` says so); a 401 at the login's second step, where the caller is not logged in, a 400 elsewhere",
	shared.CodeNotAuthenticated:     "no usable credentials (no access token, a malformed `Authorization` header, an invalid token), or the session has ended",
	shared.CodeTokenExpired:         "the access token expired: refresh (`POST /api/auth/refresh` or `/api/token/refresh`) and retry",
	shared.CodeCSRFFailed:           "a browser marked the request cross-origin (`Sec-Fetch-Site`, or an `Origin` other than the host), or a cookie-authenticated request lacks a valid `X-CSRF-Token`",
	shared.CodeForbidden:            "logged in, but not allowed (not staff, or not a superuser where only superusers may act)",
	shared.CodeEmailUnverified:      "the caller has not confirmed their email yet, and the route adds a credential (a passkey, an authenticator app) or the server runs with `--require-verified-email`",
	shared.CodeReauthRequired:       "a sensitive action, and the session last proved who its user is longer ago than `--reauth-window` (10 minutes by default): `POST /api/auth/reauth`, then retry",
	shared.CodeNotFound:             "no such resource among the caller's own (another user's id answers the same), or an unknown `/api/` path",
	shared.CodeMethodNotAllowed:     "the path exists, the method does not (`Allow` lists the methods)",
	shared.CodeEmailTaken:           "an account with this email exists (`fields.email` says so)",
	shared.CodeLimitReached:         "a per-user quota is full (the message says which); delete something first",
	shared.CodeRateLimited:          "too many attempts; `Retry-After` says when a retry can succeed",
	shared.CodeUnavailable:          "the database is unreachable; retry after `Retry-After` seconds",
	shared.CodeInternal:             "a bug; the details are in the server log only",
}

// bodyErrors are the codes of reading a JSON request body (decode and
// Validate).
var bodyErrors = []shared.Code{shared.CodeInvalidJSON, shared.CodeBodyTooLarge, shared.CodeUnsupportedMediaType, shared.CodeValidationFailed}

// errorCodes returns every code the route can answer, in the order of
// shared.Codes: its own, its guard's (csrf_failed only where the method
// changes state), its body's, csrf_failed for every state-changing method
// (cross-origin protection refuses those before any route runs), and
// those any route can meet: internal, unavailable, and validation_failed
// for a NUL byte in the path or query (errNULInAddress, refused before
// the guard).
func (rt *Route) errorCodes() []shared.Code {
	safe := isSafeMethod(rt.method())
	codes := map[shared.Code]bool{shared.CodeInternal: true, shared.CodeUnavailable: true, shared.CodeValidationFailed: true, shared.CodeCSRFFailed: !safe}
	for _, c := range rt.Errors {
		codes[c] = true
	}
	for _, c := range rt.Guard.errors() {
		if c == shared.CodeCSRFFailed && safe {
			continue // the CSRF token guards state changes only
		}
		codes[c] = true
	}
	if rt.Request != nil {
		for _, c := range bodyErrors {
			codes[c] = true
		}
	}
	return slices.DeleteFunc(shared.Codes(), func(c shared.Code) bool { return !codes[c] })
}

// errorsByStatus groups the route's codes by the HTTP status it answers
// them with, keeping their order.
func (rt *Route) errorsByStatus() map[int][]shared.Code {
	groups := map[int][]shared.Code{}
	for _, c := range rt.errorCodes() {
		status := c.Status()
		if s, ok := rt.codeStatus[c]; ok {
			status = s
		}
		groups[status] = append(groups[status], c)
	}
	return groups
}

// errorResponse returns a $ref to the response component of these codes
// (all of status), adding it the first time: routes that can fail alike
// share one.
func (b *docBuilder) errorResponse(status int, codes []shared.Code) (*openAPIResponse, error) {
	name := errorResponseName(codes)
	ref := &openAPIResponse{Ref: "#/components/responses/" + name}
	if _, ok := b.responses[name]; ok {
		return ref, nil
	}
	body, err := b.schemas.of(reflect.TypeFor[shared.ErrorBody]())
	if err != nil {
		return nil, err
	}
	enum := make([]string, len(codes))
	for i, c := range codes {
		enum[i] = string(c)
	}
	// ErrorBody, with error.code narrowed to these codes.
	schema := &openAPISchema{AllOf: []*openAPISchema{body}, Properties: map[string]*openAPISchema{
		"error": {Properties: map[string]*openAPISchema{"code": {Enum: enum}}},
	}}
	resp := &openAPIResponse{Description: describeCodes(codes), Content: jsonContent(schema)}
	headers := map[string]*openAPIHeader{}
	if slices.Contains(codes, shared.CodeRateLimited) || slices.Contains(codes, shared.CodeUnavailable) {
		headers["Retry-After"] = b.header("RetryAfter")
	}
	if status == http.StatusUnauthorized {
		headers["WWW-Authenticate"] = b.header("WWWAuthenticate")
	}
	if len(headers) > 0 {
		resp.Headers = headers
	}
	b.responses[name] = resp
	return ref, nil
}

// describeCodes says what each code means: one line for one code, a list
// for several.
func describeCodes(codes []shared.Code) string {
	if len(codes) == 1 {
		return fmt.Sprintf("`%s`: %s.", codes[0], codeMeanings[codes[0]])
	}
	lines := make([]string, len(codes))
	for i, c := range codes {
		lines[i] = fmt.Sprintf("- `%s`: %s", c, codeMeanings[c])
	}
	return strings.Join(lines, "\n")
}

// errorResponseName names a response component after its codes:
// "NotAuthenticatedOrTokenExpired".
func errorResponseName(codes []shared.Code) string {
	words := make([]string, len(codes))
	for i, c := range codes {
		words[i] = pascalCase(string(c))
	}
	return strings.Join(words, "Or")
}

// acronyms are written in capitals inside names.
var acronyms = map[string]string{"json": "JSON", "csrf": "CSRF", "api": "API", "id": "ID"}

// pascalCase joins the words of s ("invalid_json", "logout-all") as
// "InvalidJSON", "LogoutAll".
func pascalCase(s string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) {
		if a, ok := acronyms[strings.ToLower(w)]; ok {
			b.WriteString(a)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// sortedStatuses returns the statuses of groups in order.
func sortedStatuses(groups map[int][]shared.Code) []int {
	return slices.Sorted(maps.Keys(groups))
}

// errorCodeSchema is the ErrorCode enum: every code, each explained.
func errorCodeSchema() *openAPISchema {
	schema := typed("string")
	var b strings.Builder
	b.WriteString("A stable, machine-readable error code (`shared/errors.go`); clients branch on it, never on the message. Each code has one status (invalid_code aside, as explained):\n")
	for _, c := range shared.Codes() {
		schema.Enum = append(schema.Enum, string(c))
		fmt.Fprintf(&b, "\n- `%s` (%d): %s", c, c.Status(), codeMeanings[c])
	}
	schema.Description = b.String()
	return schema
}
