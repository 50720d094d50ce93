package sso

import (
	"context"
	"errors"

	"github.com/authkit/authkit/shared/sso"
)

// provider is one way to sign in: the generic OpenID Connect provider,
// Google or GitHub. It knows its own protocol; the handlers know the
// flow, and accounts.go what a verified identity means for accounts.
type provider interface {
	// ID is the {id} of the provider's URLs and the provider column of
	// its identities: oidc, google, github.
	ID() string
	// Name is what the buttons say: "Sign in with {Name}".
	Name() string
	// AuthURL is where the browser goes to sign in: the authorization
	// endpoint, with the attempt's state, PKCE challenge (S256) and, for
	// OpenID Connect, nonce. Errors: a *failure (provider_error: the
	// provider's discovery document cannot be had).
	AuthURL(ctx context.Context, state string, a *attempt, redirectURL string) (string, error)
	// Exchange redeems the code with the attempt's PKCE verifier and
	// returns who signed in, verified: for OpenID Connect, the ID token's
	// signature, issuer, audience, expiry and nonce.
	//
	// Errors: a *failure (provider_error, invalid_id_token).
	Exchange(ctx context.Context, a *attempt, redirectURL, code string) (person, error)
}

// person is who a provider says signed in.
type person struct {
	Subject string // the provider's stable id of the account
	// Email is the address the provider gives ("" for none), and
	// EmailVerified whether the provider vouches that its owner controls
	// it. GitHub gives only a primary, verified address.
	Email         string
	EmailVerified bool
	Name          string // a display name, or a login; may be empty
}

// failure is a sign-in that ends with the browser back at the app, with
// the code that the page explains. Err is the cause, for the log only.
type failure struct {
	Code sso.Failure
	Err  error
}

func (f *failure) Error() string {
	if f.Err == nil {
		return string(f.Code)
	}
	return string(f.Code) + ": " + f.Err.Error()
}

func (f *failure) Unwrap() error { return f.Err }

// fail makes a failure with a cause.
func fail(code sso.Failure, err error) *failure { return &failure{Code: code, Err: err} }

// asFailure finds the failure in err's chain.
func asFailure(err error) (*failure, bool) {
	var f *failure
	ok := errors.As(err, &f)
	return f, ok
}
