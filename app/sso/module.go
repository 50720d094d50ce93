// Package sso is the browser half of social and single sign-on: a button
// per configured provider on the login and register pages (which also
// explain a sign-in that came back with an error), and the profile's
// "Connected accounts" card. It plugs into the app as one Module, which
// pages.go lists; the contract it shares with the server is shared/sso.
package sso

import (
	"context"
	"net/http"
	"net/url"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared/sso"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Module is social and single sign-on as the app plugs it in.
func Module() app.Module {
	return app.Module{
		SignInWith: func(api *app.Client, page string) goapp.Composer { return newSignInButtons(api, page) },
		ProfileSections: func(api *app.Client) []app.ProfileSection {
			return []app.ProfileSection{{ID: "connected-accounts", Label: "Connected accounts", After: "security", Card: newConnectedAccounts(api)}}
		},
	}
}

// basePage is app.Page, and card app.Card, under a lower-case name, so
// go-app never resets them (see app.Page).
type (
	basePage = app.Page
	card     = app.Card
)

// client is the module's API as the components call it, over the app's
// Client (cookies, CSRF, refreshing the session).
type client struct{ api *app.Client }

// providers lists the sign-in providers the server offers.
func (c client) providers(ctx context.Context) ([]sso.LoginProvider, error) {
	var resp sso.LoginProvidersResponse
	err := c.api.Call(ctx, http.MethodGet, "/api/auth/providers", nil, &resp)
	return resp.Providers, err
}

// identities lists the provider accounts connected to the signed-in user.
func (c client) identities(ctx context.Context) ([]sso.Identity, error) {
	var resp sso.IdentitiesResponse
	err := c.api.Call(ctx, http.MethodGet, "/api/me/identities", nil, &resp)
	return resp.Identities, err
}

// disconnect disconnects one (204); last_login_method when it is the
// account's last way in, not_found when it is gone already.
func (c client) disconnect(ctx context.Context, id string) error {
	return c.api.Call(ctx, http.MethodDelete, "/api/me/identities/"+url.PathEscape(id), nil, nil)
}

// startURL is where the browser goes to sign in with a provider (or, with
// link, to connect it): a navigation, not a fetch, since it leaves for
// the provider's site.
func startURL(providerID, next string, link bool) string {
	q := url.Values{}
	if next != "" {
		q.Set("next", next)
	}
	if link {
		q.Set("link", "1")
	}
	u := "/api/auth/oauth/" + url.PathEscape(providerID) + "/start"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// leaveForServer follows a link to an /api/ URL as a plain navigation:
// go-app handles clicks on links itself and would show its own not-found
// page for a path that is not one of the app's.
func leaveForServer(ctx goapp.Context, e goapp.Event) { e.Call("stopPropagation") }

// providerName names a provider for people: as the server does when it
// is listed, else by its id.
func providerName(providers []sso.LoginProvider, id string) string {
	for _, p := range providers {
		if p.ID == id {
			return p.Name
		}
	}
	switch id {
	case "google":
		return "Google"
	case "github":
		return "GitHub"
	}
	return "your company's sign-in"
}

// failureText says in words why signing in (or connecting) with a
// provider did not work, and what to do about it.
func failureText(code sso.Failure, name string) string {
	switch code {
	case sso.FailureInvalidState:
		return "That sign-in took too long, or was started in another window. Please try again."
	case sso.FailureCancelled:
		return "You cancelled signing in with " + name + "."
	case sso.FailureProvider:
		return name + " could not sign you in right now. Please try again in a moment."
	case sso.FailureInvalidToken:
		return name + "'s answer could not be verified, so you were not signed in. Please try again."
	case sso.FailureEmailMissing:
		return name + " did not share a verified email address with us, which a new account needs. (On GitHub, make your primary email address a verified one.)"
	case sso.FailureAccountExists:
		return "An account with this email address already exists. Log in with your password, then connect " + name + " from your profile."
	case sso.FailureAccountDisabled:
		return "This account has been deactivated. Contact the site's staff if you think this is a mistake."
	case sso.FailureIdentityTaken:
		return "This " + name + " account is already connected to another account here."
	case sso.FailureRecentLoginRequired:
		return "To connect " + name + ", first confirm it's you: enter your password (or a code from your authenticator app), and we'll take you on to " + name + "."
	case sso.FailureEmailUnverified:
		return "To connect " + name + ", first confirm your email address: open the link we sent you, or ask for a new one on your profile."
	case sso.FailureLoginRequired:
		return "Your session ended before " + name + " answered. Log in, then try again."
	case sso.FailureServer:
		return "Something went wrong on our side. Please try again in a moment."
	}
	return "Signing in with " + name + " did not work. Please try again."
}
