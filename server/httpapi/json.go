package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// validator is a request body that checks (and normalises) itself.
type validator interface{ Validate() error }

// decode reads a JSON request body into a T. It is the only place that
// parses request bodies, so every endpoint answers bad input alike:
// unsupported_media_type for a non-JSON content type, body_too_large past
// shared.MaxBodyBytes, invalid_json for anything but one JSON object of
// the right shape.
//
// The parser is strict (I-JSON, RFC 7493), through JSON v2's defaults:
// duplicate member names, invalid UTF-8, member names that match a field
// only in another case ("EMAIL"), unknown members, wrong types and
// trailing data are all refused. A lenient parser would see
// {"email":"a","email":"b"} as the second address where a proxy or WAF in
// front may have judged the first; refusing it means every reader of the
// request sees the same request.
func decode[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return v, shared.NewError(shared.CodeUnsupportedMediaType, "Send the request body as JSON, with Content-Type: application/json.")
	}
	// The whole body first, so an oversized one is body_too_large whatever
	// it holds (the streaming parser would stop at its first bad member).
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, shared.MaxBodyBytes))
	if err != nil {
		return v, decodeError(err)
	}
	if err := jsonv2.Unmarshal(body, &v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return v, decodeError(err)
	}
	if holdsNUL(body) {
		return v, errNULInBody
	}
	// A top-level null is no object, but Unmarshal leaves v as it was,
	// as if the body were {} (null followed by more is refused above).
	if jsontext.Value(body).Kind() == 'n' {
		return v, errNotAnObject
	}
	return v, nil
}

// errNULInBody refuses a body with a NUL character in a string, as
// errNULInAddress does in a path or query: no database stores one (bun
// will not write it into SQLite's SQL, PostgreSQL refuses it), so an
// address, a name or a note holding one failed as a 500, looked up or
// stored. One rule here keeps every module's fields out of that trap.
var errNULInBody = shared.NewError(shared.CodeValidationFailed, "The request body holds a NUL character (\\u0000).")

// holdsNUL reports whether the JSON text body has a string holding U+0000,
// which JSON can only spell as the escape \u0000: a "u0000" after an odd
// run of backslashes (after an even one, the backslashes escape each
// other and the text is plain).
func holdsNUL(body []byte) bool {
	for i := 0; ; {
		j := bytes.Index(body[i:], []byte("u0000"))
		if j < 0 {
			return false
		}
		j += i
		backslashes := 0
		for k := j - 1; k >= 0 && body[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 1 {
			return true
		}
		i = j + 1
	}
}

// errNotAnObject refuses a body that is valid JSON but no object.
var errNotAnObject = shared.NewError(shared.CodeInvalidJSON, "The request body must be a JSON object.")

// decodeValid decodes a body and validates it.
func decodeValid[T any, P interface {
	*T
	validator
}](w http.ResponseWriter, r *http.Request) (T, error) {
	v, err := decode[T](w, r)
	if err != nil {
		return v, err
	}
	return v, P(&v).Validate()
}

// decodeError words a decoding failure for the client. The messages name
// the offending member (from the error's JSON Pointer) but never echo the
// value, which may be a password.
func decodeError(err error) error {
	var (
		tooLarge *http.MaxBytesError
		syntax   *jsontext.SyntacticError
		semantic *jsonv2.SemanticError
	)
	switch {
	case errors.As(err, &tooLarge):
		return shared.NewError(shared.CodeBodyTooLarge, fmt.Sprintf("The request body is larger than %d bytes.", shared.MaxBodyBytes))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF) && isEmptyInput(err):
		return shared.NewError(shared.CodeInvalidJSON, "The request body is empty; send a JSON object.")
	case errors.Is(err, jsontext.ErrDuplicateName):
		return shared.NewError(shared.CodeInvalidJSON, fmt.Sprintf("The request body names %s more than once.", memberName(err)))
	case errors.As(err, &syntax):
		if strings.Contains(syntax.Error(), "UTF-8") {
			return shared.NewError(shared.CodeInvalidJSON, "The request body is not valid UTF-8.")
		}
		return shared.NewError(shared.CodeInvalidJSON, "The request body is not valid JSON.")
	case errors.Is(err, jsonv2.ErrUnknownName):
		return shared.NewError(shared.CodeInvalidJSON, fmt.Sprintf("The request body has an unknown field %s (names are case-sensitive).", memberName(err)))
	case errors.As(err, &semantic):
		field := strings.TrimPrefix(string(semantic.JSONPointer), "/")
		if field == "" {
			return errNotAnObject
		}
		return shared.NewError(shared.CodeInvalidJSON, fmt.Sprintf("The field %q must be a %s.", field, jsonKind(semantic.GoType)))
	default:
		return shared.NewError(shared.CodeInvalidJSON, "The request body is not valid JSON.")
	}
}

// isEmptyInput reports whether an unexpected end of input came before
// any byte of JSON.
func isEmptyInput(err error) bool {
	var syntax *jsontext.SyntacticError
	return !errors.As(err, &syntax) || syntax.ByteOffset == 0
}

// memberName quotes the member an error points at, or says "a field".
func memberName(err error) string {
	var syntax *jsontext.SyntacticError
	var semantic *jsonv2.SemanticError
	var pointer jsontext.Pointer
	switch {
	case errors.As(err, &syntax):
		pointer = syntax.JSONPointer
	case errors.As(err, &semantic):
		pointer = semantic.JSONPointer
	}
	if name := pointer.LastToken(); name != "" {
		return strconv.Quote(name)
	}
	return "a field"
}

func jsonKind(t reflect.Type) string {
	if t == nil {
		return "value of the right type"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonKind(t.Elem())
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return "number"
	default:
		return "value of the right type"
	}
}

// writeJSON sends v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away; nothing to do
}

// writeEncoded sends a body writeJSON would have sent, encoded before.
func writeEncoded(w http.ResponseWriter, status int, body []byte) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client went away; nothing to do
}

var jsonContentType = headerValue("application/json; charset=utf-8")

// writeError turns any error into the one JSON error shape. Errors the
// service meant for the client (*shared.Error) go out as they are; a
// database that cannot serve right now (store.IsUnavailable: disk full,
// read-only or vanished file, server down) becomes 503 unavailable with a
// Retry-After, so clients and load balancers back off instead of seeing a
// bug; anything else is a fault on our side: it is logged with the request
// and the client sees a generic internal error, never the details.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	const unavailableRetryAfter = "5" // seconds; long enough for a failover or a freed disk
	keepCookieDeletions(w.Header())
	var apiErr *shared.Error
	if !errors.As(err, &apiErr) {
		switch {
		case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
			return // the client left; no one to answer
		case store.IsUnavailable(err):
			log.WarnContext(r.Context(), "database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
			apiErr = shared.NewError(shared.CodeUnavailable, "The service is temporarily unavailable. Please try again in a few seconds.")
		default:
			log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			apiErr = shared.NewError(shared.CodeInternal, "Something went wrong on our side. Please try again.")
		}
	}
	switch {
	case apiErr.Code == shared.CodeRateLimited && apiErr.RetryAfter > 0:
		w.Header().Set("Retry-After", strconv.Itoa(int((apiErr.RetryAfter+999_999_999)/1_000_000_000)))
	case apiErr.Code == shared.CodeUnavailable:
		w.Header().Set("Retry-After", unavailableRetryAfter)
	}
	status := apiErr.StatusCode()
	if status == http.StatusUnauthorized {
		w.Header()["Www-Authenticate"] = challenge(apiErr.Code)
	}
	body := shared.ErrorBody{Error: apiErr}
	if apiErr.Code == shared.CodeMFARequired && apiErr.Challenge != nil {
		body.MFAToken, body.Methods = apiErr.Challenge.MFAToken, apiErr.Challenge.Methods
	}
	writeJSON(w, status, body)
}

// challenge is the WWW-Authenticate header of a 401, which must name a
// way to authenticate (RFC 9110 §15.5.2): a Bearer access token, the
// credential every guarded route takes (RFC 6750 §3). An expired one is
// error="invalid_token", on which RFC 6750 clients refresh; the other
// 401s carry the bare scheme.
func challenge(code shared.Code) []string {
	if code == shared.CodeTokenExpired {
		return expiredTokenChallenge
	}
	return bearerChallenge
}

var (
	bearerChallenge       = headerValue("Bearer")
	expiredTokenChallenge = headerValue(`Bearer error="invalid_token", error_description="The access token expired"`)
)

// isCode reports whether err is the service's refusal with code.
func isCode(err error, code shared.Code) bool {
	var apiErr *shared.Error
	return errors.As(err, &apiErr) && apiErr.Code == code
}
