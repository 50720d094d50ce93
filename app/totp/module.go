// Package totp is the browser half of the authenticator-app module: the
// "Two-factor authentication" section of the profile, where people set up
// an app by its QR code, see and replace their recovery codes, and turn
// two-factor authentication off. The login page's code step is the core's
// (app/login_mfa.go). pages.go lists the module; the contract it shares
// with the server is shared/totp.
package totp

import (
	"context"
	"net/http"

	"github.com/authkit/authkit/app"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// Module is the authenticator-app module as the app plugs it in: a
// section of the profile page, and no page of its own.
func Module() app.Module {
	return app.Module{
		ProfileSections: func(api *app.Client) []app.ProfileSection {
			return []app.ProfileSection{{ID: "two-factor", Label: "Two-factor", After: "security", Card: newSection(api)}}
		},
	}
}

// client is the module's API as the section calls it, through the app's
// Client (cookies, CSRF and refreshing are its business).
type client struct{ api *app.Client }

func (c client) status(ctx context.Context) (sharedtotp.StatusResponse, error) {
	var resp sharedtotp.StatusResponse
	err := c.api.Call(ctx, http.MethodGet, "/api/me/totp", nil, &resp)
	return resp, err
}

// setup starts setting up an app; reauth_required when the session is
// not recent.
func (c client) setup(ctx context.Context) (sharedtotp.SetupResponse, error) {
	var resp sharedtotp.SetupResponse
	err := c.api.Call(ctx, http.MethodPost, "/api/me/totp/setup", nil, &resp)
	return resp, err
}

// enable confirms a code of the pending secret; invalid_code when it does
// not match, reauth_required when the session is no longer recent (the
// setup was left open too long). It answers the new recovery codes.
func (c client) enable(ctx context.Context, req sharedtotp.EnableRequest) ([]string, error) {
	var resp sharedtotp.RecoveryCodesResponse
	err := c.api.Call(ctx, http.MethodPost, "/api/me/totp/enable", req, &resp)
	if err == nil {
		c.api.UserChanged() // the user's totp_enabled changed
	}
	return resp.RecoveryCodes, err
}

func (c client) disable(ctx context.Context) error {
	err := c.api.Call(ctx, http.MethodPost, "/api/me/totp/disable", nil, nil)
	if err == nil {
		c.api.UserChanged()
	}
	return err
}

func (c client) newRecoveryCodes(ctx context.Context) ([]string, error) {
	var resp sharedtotp.RecoveryCodesResponse
	err := c.api.Call(ctx, http.MethodPost, "/api/me/recovery-codes", nil, &resp)
	return resp.RecoveryCodes, err
}
