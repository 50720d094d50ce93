package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// validator is a request body that checks (and normalises) itself.
type validator interface{ Validate() error }

// decode reads a JSON request body into a T. It is the only place that
// parses request bodies, so every endpoint answers bad input alike:
// unsupported_media_type for a non-JSON content type, body_too_large past
// shared.MaxBodyBytes, invalid_json for malformed JSON, wrong types,
// unknown fields or trailing data.
func decode[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return v, shared.NewError(shared.CodeUnsupportedMediaType, "Send the request body as JSON, with Content-Type: application/json.")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, shared.MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return v, decodeError(err)
		}
		return v, shared.NewError(shared.CodeInvalidJSON, "The request body must hold a single JSON object.")
	}
	return v, nil
}

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

func decodeError(err error) error {
	var (
		tooLarge  *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return shared.NewError(shared.CodeBodyTooLarge, fmt.Sprintf("The request body is larger than %d bytes.", shared.MaxBodyBytes))
	case errors.Is(err, io.EOF):
		return shared.NewError(shared.CodeInvalidJSON, "The request body is empty; send a JSON object.")
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return shared.NewError(shared.CodeInvalidJSON, "The request body is not valid JSON.")
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return shared.NewError(shared.CodeInvalidJSON, "The request body must be a JSON object.")
		}
		return shared.NewError(shared.CodeInvalidJSON, fmt.Sprintf("The field %q must be a %s.", typeErr.Field, jsonKind(typeErr.Type.Kind().String())))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return shared.NewError(shared.CodeInvalidJSON, "The request body has an "+strings.TrimPrefix(err.Error(), "json: ")+".")
	default:
		return shared.NewError(shared.CodeInvalidJSON, "The request body is not valid JSON.")
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean (true or false)"
	case "int", "int64", "float64":
		return "number"
	default:
		return "value of the right type"
	}
}

// writeJSON sends v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away; nothing to do
}

// writeError turns any error into the one JSON error shape. Errors the
// service meant for the client (*shared.Error) go out as they are; a
// database that cannot serve right now (store.IsUnavailable: disk full,
// read-only or vanished file, server down) becomes 503 unavailable with a
// Retry-After, so clients and load balancers back off instead of seeing a
// bug; anything else is a fault on our side: it is logged with the request
// and the client sees a generic internal error, never the details.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	const unavailableRetryAfter = "5" // seconds; long enough for a failover or a freed disk
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
	writeJSON(w, apiErr.Code.Status(), shared.ErrorBody{Error: apiErr})
}
