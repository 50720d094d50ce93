package sso

import (
	"slices"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	"github.com/authkit/authkit/shared/sso"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// How a connection that left for a provider came back to the profile,
// and what the card does about it.

// outcome is how the connection that led back to the profile went.
type outcome struct {
	connected string      // the provider connected
	failure   sso.Failure // or why it was not
	provider  string      // of which provider
}

// notice words the outcome, now that the providers' names and the user
// are known.
func (o outcome) notice(api *app.Client, providers []sso.LoginProvider, user shared.User) app.Notice {
	name := providerName(providers, o.provider)
	switch {
	case o.connected != "":
		return app.SuccessNotice(providerName(providers, o.connected) + " is connected. You can now sign in with it.")
	case o.failure == sso.FailureRecentLoginRequired && !app.CanReauthenticate(api, user):
		return app.Notice{Kind: "error", Text: "To connect " + name + ", sign in again first: log out, sign in with one of your connected accounts (or a passkey), then connect " + name + "."}
	case o.failure != "":
		return app.Notice{Kind: "error", Text: failureText(o.failure, providerName(providers, o.provider))}
	}
	return app.Notice{}
}

// confirmToConnect opens the re-authentication dialog when the connection
// that led here needed a recent session, to connect the provider again
// once the person has confirmed it's them. When the dialog can take no
// proof from this user, the notice says to sign in again instead.
func (c *connectedAccounts) confirmToConnect(o outcome) {
	if o.failure != sso.FailureRecentLoginRequired || !app.CanReauthenticate(c.api.api, *c.User) ||
		!slices.ContainsFunc(c.providers, func(p sso.LoginProvider) bool { return p.ID == o.provider }) {
		return
	}
	providerID := o.provider
	c.reauth.Ask(&c.SignedInPage, errReauthRequired, func(ctx goapp.Context) {
		c.notice = app.Notice{}
		c.connect(ctx, providerID)
	})
}

// errReauthRequired is the server's answer that connecting was refused
// for, as the dialog expects it.
var errReauthRequired = shared.NewError(shared.CodeReauthRequired, "Confirm it's you to connect an account.")
