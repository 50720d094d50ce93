package sso

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/authkit/authkit/shared/sso"
)

// openIDProvider signs in with an OpenID Connect provider: a company's
// (Keycloak, Authentik, Zitadel, Okta, Entra ID, Dex…) or Google. It
// finds the provider's endpoints and keys by discovery from the issuer,
// on first use rather than at start-up, so a provider that is down does
// not keep the kit from starting (a failed discovery is tried again on the
// next sign-in).
type openIDProvider struct {
	id, name               string
	issuer                 string
	clientID, clientSecret string
	client                 *http.Client
	now                    func() time.Time

	mu         sync.Mutex
	discovered *oidc.Provider
}

func (p *openIDProvider) ID() string   { return p.id }
func (p *openIDProvider) Name() string { return p.name }

// discover returns the provider's metadata, fetching it the first time.
// go-oidc checks that the document names the configured issuer.
func (p *openIDProvider) discover(ctx context.Context) (*oidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.discovered != nil {
		return p.discovered, nil
	}
	d, err := oidc.NewProvider(oidc.ClientContext(ctx, p.client), p.issuer)
	if err != nil {
		return nil, fail(sso.FailureProvider, fmt.Errorf("discovery of %s: %w", p.issuer, err))
	}
	p.discovered = d
	return d, nil
}

func (p *openIDProvider) config(d *oidc.Provider, redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: p.clientID, ClientSecret: p.clientSecret,
		Endpoint: d.Endpoint(), RedirectURL: redirectURL,
		Scopes: []string{oidc.ScopeOpenID, oidc.ScopeEmail, oidc.ScopeProfile},
	}
}

// AuthURL implements provider.
func (p *openIDProvider) AuthURL(ctx context.Context, state string, a *attempt, redirectURL string) (string, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	return p.config(d, redirectURL).AuthCodeURL(state, oauth2.S256ChallengeOption(a.Verifier), oidc.Nonce(a.Nonce)), nil
}

// idClaims are the ID token's claims beyond those go-oidc checks.
type idClaims struct {
	Email             string       `json:"email"`
	EmailVerified     flexibleBool `json:"email_verified"`
	Name              string       `json:"name"`
	PreferredUsername string       `json:"preferred_username"`
	AuthorizedParty   string       `json:"azp"`
}

// Exchange implements provider. It redeems the code with the PKCE
// verifier, then verifies the ID token: go-oidc checks its signature
// (with the provider's published keys, and only the algorithms it
// announces; never "none"), issuer, audience and expiry (on the kit's
// clock); the nonce, which go-oidc leaves to its caller, is compared here
// in constant time, and so is the authorized party of a token that names
// one or has more than one audience (OpenID Connect Core §3.1.3.7). The email comes from
// the ID token, or from the userinfo endpoint when the token has none.
func (p *openIDProvider) Exchange(ctx context.Context, a *attempt, redirectURL, code string) (person, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return person{}, err
	}
	ctx = oidc.ClientContext(ctx, p.client)
	tok, err := p.config(d, redirectURL).Exchange(ctx, code, oauth2.VerifierOption(a.Verifier))
	if err != nil {
		return person{}, fail(sso.FailureProvider, fmt.Errorf("code exchange: %w", err))
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return person{}, fail(sso.FailureInvalidToken, errors.New("the token response has no id_token"))
	}
	idToken, err := d.Verifier(&oidc.Config{ClientID: p.clientID, Now: p.now}).Verify(ctx, raw)
	if err != nil {
		return person{}, fail(sso.FailureInvalidToken, err)
	}
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(a.Nonce)) != 1 {
		return person{}, fail(sso.FailureInvalidToken, errors.New("the ID token's nonce is not this attempt's"))
	}
	var c idClaims
	if err := idToken.Claims(&c); err != nil {
		return person{}, fail(sso.FailureInvalidToken, err)
	}
	// An azp names the client the token was issued to: it must be this
	// one when there are several audiences, and when it is there at all
	// (OpenID Connect Core §3.1.3.7, items 4 and 5).
	if (len(idToken.Audience) > 1 || c.AuthorizedParty != "") &&
		subtle.ConstantTimeCompare([]byte(c.AuthorizedParty), []byte(p.clientID)) != 1 {
		return person{}, fail(sso.FailureInvalidToken, errors.New("an ID token whose azp is not this client, or for several audiences without one"))
	}
	if idToken.AccessTokenHash != "" {
		if err := idToken.VerifyAccessToken(tok.AccessToken); err != nil {
			return person{}, fail(sso.FailureInvalidToken, err)
		}
	}
	who := person{Subject: idToken.Subject, Email: c.Email, EmailVerified: bool(c.EmailVerified), Name: c.Name}
	if who.Name == "" {
		who.Name = c.PreferredUsername
	}
	if who.Email == "" && d.UserInfoEndpoint() != "" {
		if err := p.addUserInfo(ctx, d, tok, &who); err != nil {
			return person{}, err
		}
	}
	return who, nil
}

// addUserInfo takes the email from the userinfo endpoint, for providers
// that leave it out of the ID token. The answer must be about the ID
// token's subject (OpenID Connect Core §5.3.2).
func (p *openIDProvider) addUserInfo(ctx context.Context, d *oidc.Provider, tok *oauth2.Token, who *person) error {
	info, err := d.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return fail(sso.FailureProvider, fmt.Errorf("userinfo: %w", err))
	}
	if subtle.ConstantTimeCompare([]byte(info.Subject), []byte(who.Subject)) != 1 {
		return fail(sso.FailureInvalidToken, errors.New("userinfo is about another subject than the ID token"))
	}
	who.Email, who.EmailVerified = info.Email, info.EmailVerified
	if who.Name == "" {
		var c idClaims
		if info.Claims(&c) == nil {
			who.Name = c.Name
		}
	}
	return nil
}

// flexibleBool reads a JSON boolean, or the strings "true" and "false"
// that some providers send for email_verified. Anything else is false.
type flexibleBool bool

func (b *flexibleBool) UnmarshalJSON(data []byte) error {
	s := string(data)
	if unquoted, err := strconv.Unquote(s); err == nil {
		s = unquoted
	}
	*b = s == "true"
	return nil
}
