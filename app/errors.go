package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/authkit/authkit/shared"
)

// How the app reads the API's errors: the *shared.Error a failed answer
// becomes, the sentence a person sees for any error, and the questions
// pages ask of an error (is the session over? which code is it?).

// Problem is an error that happened in the browser rather than on the
// server (a passkey prompt closed, a browser without an API), worded for
// the person: notices show its text as it is.
type Problem struct{ Text string }

func (p *Problem) Error() string { return p.Text }

// NewProblem returns a Problem with the sentence to show.
func NewProblem(text string) error { return &Problem{Text: text} }

// describeError is the sentence a person sees for err.
func describeError(err error) string {
	var (
		apiErr  *shared.Error
		problem *Problem
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrUnreachable):
		return "Could not reach the server. Check your connection and try again."
	case errors.As(err, &problem):
		return problem.Text
	case errors.As(err, &apiErr) && apiErr.Message != "":
		return apiErr.Message
	default:
		return "Something went wrong. Try again."
	}
}

// decodeError turns an error response into an *shared.Error. Answers that
// are not the API's JSON (a proxy's error page, a crash) get a code from
// their status and a message a person can act on.
func decodeError(status int, header http.Header, data []byte) *shared.Error {
	var body shared.ErrorBody
	if err := json.Unmarshal(data, &body); err != nil || body.Error == nil || body.Error.Code == "" {
		body.Error = fallbackError(status)
	}
	switch body.Error.Code {
	case shared.CodeRateLimited:
		body.Error.Message = rateLimitMessage(header.Get("Retry-After"))
	case shared.CodeBodyTooLarge:
		// The server counts bytes, and a proxy in front of it may refuse
		// less: either way, what helps is sending less.
		body.Error.Message = tooLargeMessage
	}
	if body.Error.Code == shared.CodeMFARequired && body.MFAToken != "" {
		body.Error.Challenge = &shared.MFAChallenge{MFAToken: body.MFAToken, Methods: body.Methods}
	}
	return body.Error
}

func fallbackError(status int) *shared.Error {
	switch {
	case status == http.StatusUnauthorized:
		return shared.NewError(shared.CodeNotAuthenticated, "Please log in.")
	case status == http.StatusForbidden:
		return shared.NewError(shared.CodeForbidden, "You do not have access to this.")
	case status == http.StatusNotFound:
		return shared.NewError(shared.CodeNotFound, "That could not be found.")
	case status == http.StatusTooManyRequests:
		return shared.NewError(shared.CodeRateLimited, "")
	case status == http.StatusRequestEntityTooLarge:
		return shared.NewError(shared.CodeBodyTooLarge, "")
	case status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
		return shared.NewError(shared.CodeUnavailable, "The service is unavailable right now. Try again in a moment.")
	default:
		return shared.NewError(shared.CodeInternal, "Something went wrong on our side. Try again in a moment.")
	}
}

// tooLargeMessage is what a person reads when what they sent was too
// large (413), from the server or from a proxy with a smaller limit.
const tooLargeMessage = "That is too long to send. Shorten it, then try again."

// rateLimitMessage says how long to wait, rounded up to whole minutes,
// from a Retry-After header given in seconds (RFC 9110 §10.2.3).
func rateLimitMessage(retryAfter string) string {
	secs, err := strconv.Atoi(strings.TrimSpace(retryAfter))
	if err != nil || secs <= 0 {
		return "Too many attempts. Try again in a few minutes."
	}
	minutes := (secs + 59) / 60
	if minutes == 1 {
		return "Too many attempts. Try again in 1 minute."
	}
	return fmt.Sprintf("Too many attempts. Try again in %d minutes.", minutes)
}

// isSignedOut reports whether err means there is no usable session, so
// the page should send the visitor to the login form. (invalid_token is
// not one: it is a mailed link's token that is used or expired, and says
// nothing of the session.)
func isSignedOut(err error) bool {
	var apiErr *shared.Error
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.Code {
	case shared.CodeNotAuthenticated, shared.CodeTokenExpired:
		return true
	}
	return false
}

// HasCode reports whether err is an API error with the given code.
func HasCode(err error, code shared.Code) bool {
	var apiErr *shared.Error
	return errors.As(err, &apiErr) && apiErr.Code == code
}
