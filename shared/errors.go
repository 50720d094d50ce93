package shared

import (
	"net/http"
	"time"
)

// Code is a stable, machine-readable error code. Clients branch on codes,
// never on messages, so a code never changes meaning once published.
type Code string

// The error codes of the API. Status gives the HTTP status of each.
const (
	CodeValidationFailed     Code = "validation_failed"      // 400, with Fields
	CodeInvalidJSON          Code = "invalid_json"           // 400: malformed JSON or wrong JSON types
	CodeInvalidToken         Code = "invalid_token"          // 400/401: a token that is not (or no longer) valid
	CodeWrongPassword        Code = "wrong_password"         // 400: the current password does not match
	CodeLastSuperuser        Code = "last_superuser"         // 400: the change would leave no active superuser
	CodeLastLoginMethod      Code = "last_login_method"      // 400: removing this would leave no way to sign in
	CodeUnsupportedMediaType Code = "unsupported_media_type" // 415
	CodeBodyTooLarge         Code = "body_too_large"         // 413: bodies over MaxBodyBytes
	CodeInvalidCredentials   Code = "invalid_credentials"    // 401: unknown email, wrong password or inactive account
	CodeMFARequired          Code = "mfa_required"           // 401: the password was right; a second factor must follow (with the challenge)
	CodeInvalidCode          Code = "invalid_code"           // 400 on a form, 401 at the login's second step: a wrong or spent one-time code
	CodeNotAuthenticated     Code = "not_authenticated"      // 401: no valid credentials
	CodeTokenExpired         Code = "token_expired"          // 401: the access token expired; refresh and retry
	CodeCSRFFailed           Code = "csrf_failed"            // 403
	CodeForbidden            Code = "forbidden"              // 403
	CodeEmailUnverified      Code = "email_unverified"       // 403: confirm the email address first
	CodeReauthRequired       Code = "reauth_required"        // 403: a sensitive action needs a recent proof of identity (POST /api/auth/reauth)
	CodeNotFound             Code = "not_found"              // 404
	CodeMethodNotAllowed     Code = "method_not_allowed"     // 405
	CodeEmailTaken           Code = "email_taken"            // 409
	CodeLimitReached         Code = "limit_reached"          // 409: a per-user quota is full (live sessions are not: the oldest ends)
	CodeRateLimited          Code = "rate_limited"           // 429, with Retry-After
	CodeUnavailable          Code = "unavailable"            // 503: the database is unreachable, or no second factor can be checked
	CodeInternal             Code = "internal"               // 500: a bug; details are in the server log only
)

// Codes lists every code above, in order, for the OpenAPI document's
// ErrorCode enum: Go cannot enumerate constants, so a test holds this list
// to the declarations.
func Codes() []Code {
	return []Code{
		CodeValidationFailed, CodeInvalidJSON, CodeInvalidToken, CodeWrongPassword, CodeLastSuperuser, CodeLastLoginMethod,
		CodeUnsupportedMediaType, CodeBodyTooLarge, CodeInvalidCredentials, CodeMFARequired, CodeInvalidCode,
		CodeNotAuthenticated, CodeTokenExpired, CodeCSRFFailed, CodeForbidden, CodeEmailUnverified,
		CodeReauthRequired, CodeNotFound,
		CodeMethodNotAllowed, CodeEmailTaken, CodeLimitReached, CodeRateLimited, CodeUnavailable, CodeInternal,
	}
}

// Status is the HTTP status that goes with a code.
func (c Code) Status() int {
	switch c {
	case CodeValidationFailed, CodeInvalidJSON, CodeInvalidToken, CodeWrongPassword, CodeLastSuperuser, CodeLastLoginMethod, CodeInvalidCode:
		return http.StatusBadRequest
	case CodeUnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	case CodeBodyTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeInvalidCredentials, CodeMFARequired, CodeNotAuthenticated, CodeTokenExpired:
		return http.StatusUnauthorized
	case CodeCSRFFailed, CodeForbidden, CodeEmailUnverified, CodeReauthRequired:
		return http.StatusForbidden
	case CodeNotFound:
		return http.StatusNotFound
	case CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case CodeEmailTaken, CodeLimitReached:
		return http.StatusConflict
	case CodeRateLimited:
		return http.StatusTooManyRequests
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// Error is the one error shape of the API, on the wire and in Go code:
//
//	{"error":{"code":"validation_failed","message":"…","fields":{"email":"…"}}}
//
// Fields maps a request field's JSON name to a plain sentence, so clients
// can show the message beside the field: always with validation_failed,
// and with email_taken (email) and wrong_password (current_password).
type Error struct {
	Code    Code              `json:"code"`
	Message string            `json:"message" doc:"A sentence for people; it may change, the code does not."`
	Fields  map[string]string `json:"fields,omitempty" doc:"Request fields (by JSON name) and what is wrong with each. Present with validation_failed, and with email_taken and wrong_password to point at the field."`

	// RetryAfter goes with rate_limited: how long until a retry can
	// succeed. It travels in the Retry-After header, not the body.
	RetryAfter time.Duration `json:"-"`
	// Challenge goes with mfa_required: the second step to take. It
	// travels beside the error object (ErrorBody's mfa_token and methods).
	Challenge *MFAChallenge `json:"-"`
	// HTTPStatus, when set, answers with this status instead of the code's
	// own: invalid_code is a 400 on a form but a 401 at the login's second
	// step, where it means "not logged in".
	HTTPStatus int `json:"-"`
}

// StatusCode is the HTTP status the error answers with.
func (e *Error) StatusCode() int {
	if e.HTTPStatus != 0 {
		return e.HTTPStatus
	}
	return e.Code.Status()
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// NewError makes an *Error with a code and a message.
func NewError(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// ErrorBody is the JSON envelope of every error response. The server
// always sets Error, so the OpenAPI document does not offer null for it.
type ErrorBody struct {
	Error *Error `json:"error" nullable:"false"`
	// MFAToken and Methods come with mfa_required only (see MFAChallenge).
	MFAToken string   `json:"mfa_token,omitempty" doc:"With mfa_required only: the single-use token of the second step (POST /api/auth/login/mfa or /api/token/mfa), valid 5 minutes and for 5 codes."`
	Methods  []string `json:"methods,omitempty" doc:"With mfa_required only: the second factors the account can answer with, such as totp, recovery_code and passkey."`
}

// FieldErrors collects per-field messages during validation. The zero
// value is ready to use.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message, so the
// first (most basic) problem is the one shown.
func (f *FieldErrors) Add(field, msg string) {
	if *f == nil {
		*f = FieldErrors{}
	}
	if _, ok := (*f)[field]; !ok {
		(*f)[field] = msg
	}
}

// Err returns a validation_failed *Error, or nil when no field failed.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{
		Code:    CodeValidationFailed,
		Message: "Some fields need attention.",
		Fields:  f,
	}
}
