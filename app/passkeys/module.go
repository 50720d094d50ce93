// Package passkeys is the browser half of the passkeys module: the
// "Passkeys" section of the profile (add, list, delete), and the login
// page's "Sign in with a passkey", which also offers passkeys in the email
// field's autofill. pages.go lists the module; the contract it shares with
// the server is shared/passkeys.
package passkeys

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Module is the passkeys module as the app plugs it in: a profile section,
// a way to sign in, a proof for the re-authentication dialog and for a
// login's second step, and no page of its own.
func Module() app.Module {
	return app.Module{
		ProfileSections: func(api *app.Client) []app.ProfileSection {
			return []app.ProfileSection{{ID: "passkeys-section", Label: "Passkeys", After: "security", Card: newSection(api)}}
		},
		SignInWith:     func(api *app.Client, page string) goapp.Composer { return newLoginButton(api, page) },
		ReauthWith:     reauthWith,
		SecondStepWith: secondStepWith,
	}
}

// reauthWith offers "Use a passkey" in the re-authentication dialog to a
// user who has passkeys, in a browser that can use them. For an account
// with no password and no authenticator app it is the dialog's one
// proof, where it would otherwise have to sign in again.
func reauthWith(api *app.Client, user shared.User) (app.ReauthOption, bool) {
	if !user.HasPasskeys || !supported() {
		return app.ReauthOption{}, false
	}
	return app.ReauthOption{Name: "passkey", Label: "Use a passkey", BusyLabel: "Waiting for your passkey…",
		Prove: client{api}.reauthenticate}, true
}

// secondStepWith offers a passkey at a login's second step, after the
// password, in a browser that can use one (the server names "passkey"
// among the challenge's methods for an account that has one).
func secondStepWith(api *app.Client) (app.SecondStepOption, bool) {
	if !supported() {
		return app.SecondStepOption{}, false
	}
	return app.SecondStepOption{Method: "passkey", Label: "Use a passkey instead", BusyLabel: "Waiting for your passkey…",
		Answer: client{api}.completeLogin}, true
}

// client is the module's API as its components call it.
type client struct{ api *app.Client }

func (c client) list(ctx context.Context) ([]sharedpasskeys.Passkey, error) {
	var resp sharedpasskeys.PasskeysResponse
	err := c.api.Call(ctx, http.MethodGet, "/api/me/passkeys", nil, &resp)
	return resp.Passkeys, err
}

// add makes a passkey: the server's creation options, the browser's
// ceremony, then the server's check. reauth_required first when the
// session is not recent.
func (c client) add(ctx context.Context, name string) (sharedpasskeys.Passkey, error) {
	var opts sharedpasskeys.Options
	if err := c.api.Call(ctx, http.MethodPost, "/api/me/passkeys/begin", nil, &opts); err != nil {
		return sharedpasskeys.Passkey{}, err
	}
	cred, err := createCredential(opts.PublicKey)
	if err != nil {
		return sharedpasskeys.Passkey{}, err
	}
	var resp sharedpasskeys.PasskeyResponse
	err = c.api.Call(ctx, http.MethodPost, "/api/me/passkeys/finish", sharedpasskeys.FinishRegistrationRequest{Name: name, Credential: cred}, &resp)
	if err == nil {
		c.api.UserChanged() // the user's factors changed
	}
	return resp.Passkey, err
}

func (c client) delete(ctx context.Context, id string) error {
	err := c.api.Call(ctx, http.MethodDelete, "/api/me/passkeys/"+url.PathEscape(id), nil, nil)
	if err == nil {
		c.api.UserChanged()
	}
	return err
}

// beginLogin fetches request options for a sign-in.
func (c client) beginLogin(ctx context.Context) (json.RawMessage, error) {
	var opts sharedpasskeys.Options
	err := c.api.Call(ctx, http.MethodPost, "/api/auth/passkey/begin", nil, &opts)
	return opts.PublicKey, err
}

// reauthenticate makes the session recent with one of the user's
// passkeys: the sign-in's request options, the browser's ceremony, then
// POST /api/auth/reauth with the assertion.
func (c client) reauthenticate(ctx context.Context) error {
	options, err := c.beginLogin(ctx)
	if err != nil {
		return err
	}
	cred, err := getCredential(options, "", nil)
	if err != nil {
		return err
	}
	return c.api.Reauthenticate(ctx, shared.ReauthRequest{Credential: cred})
}

// completeLogin answers a login's second step with one of the account's
// passkeys: the sign-in's request options, the browser's ceremony, then
// the second step with the assertion and the challenge's token.
func (c client) completeLogin(ctx context.Context, mfaToken string) (shared.User, error) {
	options, err := c.beginLogin(ctx)
	if err != nil {
		return shared.User{}, err
	}
	cred, err := getCredential(options, "", nil)
	if err != nil {
		return shared.User{}, err
	}
	return c.api.LoginMFA(ctx, shared.MFALoginRequest{MFAToken: mfaToken, Credential: cred})
}

// finishLogin signs in with an assertion; the cookies come with the
// answer.
func (c client) finishLogin(ctx context.Context, cred json.RawMessage) (shared.User, error) {
	var resp shared.UserResponse
	err := c.api.Call(ctx, http.MethodPost, "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: cred}, &resp)
	if err == nil {
		c.api.UserChanged()
	}
	return resp.User, err
}
