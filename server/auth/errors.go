package auth

import (
	"time"

	"github.com/authkit/authkit/shared"
)

// The errors of the service, as the API shows them. Unknown email, wrong
// password and inactive account share one error so that answers do not
// reveal which accounts exist.
var (
	errInvalidCredentials = shared.NewError(shared.CodeInvalidCredentials, "The email or password is incorrect.")
	errNotAuthenticated   = shared.NewError(shared.CodeNotAuthenticated, "Please log in.")
	errSessionEnded       = shared.NewError(shared.CodeNotAuthenticated, "Your session has ended. Please log in again.")
	errTokenExpiredAPI    = shared.NewError(shared.CodeTokenExpired, "Your access token has expired. Refresh it and try again.")
	errForbidden          = shared.NewError(shared.CodeForbidden, "You do not have permission to do this.")
)

// ErrReauthRequired answers a sensitive action from a session that has
// not proved who its user is within the re-authentication window: the
// RequireRecent guard's answer, and the core's when an action that takes
// a password was sent without one (Accounts.DeleteAccount).
var ErrReauthRequired = shared.NewError(shared.CodeReauthRequired,
	"For your security, confirm it's you before doing this: enter your password (or a code) again.")

func rateLimited(wait time.Duration) error {
	return &shared.Error{
		Code:       shared.CodeRateLimited,
		Message:    "Too many attempts. Please wait and try again.",
		RetryAfter: wait,
	}
}
