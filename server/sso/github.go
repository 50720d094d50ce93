package sso

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"golang.org/x/oauth2"

	"github.com/authkit/authkit/shared/sso"
)

// githubProvider signs in with GitHub, which speaks OAuth 2.0 but not
// OpenID Connect: there is no ID token to verify, so who signed in comes
// from GitHub's API, called with the access token the code bought
// (GET /user for the stable numeric id, GET /user/emails for the address).
// Only the primary address, and only when GitHub has verified it, counts:
// secondary addresses are easy to add and say little about the person.
type githubProvider struct {
	clientID, clientSecret string
	webURL, apiURL         string // https://github.com, https://api.github.com
	client                 *http.Client
}

func (p *githubProvider) ID() string   { return "github" }
func (p *githubProvider) Name() string { return "GitHub" }

func (p *githubProvider) config(redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: p.clientID, ClientSecret: p.clientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:  p.webURL + "/login/oauth/authorize",
			TokenURL: p.webURL + "/login/oauth/access_token",
		},
		RedirectURL: redirectURL,
		Scopes:      []string{"read:user", "user:email"},
	}
}

// AuthURL implements provider: state and PKCE, which GitHub supports; no
// nonce, which belongs to OpenID Connect.
func (p *githubProvider) AuthURL(_ context.Context, state string, a *attempt, redirectURL string) (string, error) {
	return p.config(redirectURL).AuthCodeURL(state, oauth2.S256ChallengeOption(a.Verifier)), nil
}

// Exchange implements provider.
func (p *githubProvider) Exchange(ctx context.Context, a *attempt, redirectURL, code string) (person, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.client)
	tok, err := p.config(redirectURL).Exchange(ctx, code, oauth2.VerifierOption(a.Verifier))
	if err != nil {
		return person{}, fail(sso.FailureProvider, fmt.Errorf("code exchange: %w", err))
	}
	var user struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
		Name  string `json:"name"`
	}
	if err := p.get(ctx, tok, "/user", &user); err != nil {
		return person{}, err
	}
	if user.ID <= 0 {
		return person{}, fail(sso.FailureProvider, errors.New("GitHub's /user has no id"))
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := p.get(ctx, tok, "/user/emails", &emails); err != nil {
		return person{}, err
	}
	who := person{Subject: strconv.FormatInt(user.ID, 10), Name: user.Name}
	if who.Name == "" {
		who.Name = user.Login
	}
	for _, e := range emails {
		if e.Primary && e.Verified {
			who.Email, who.EmailVerified = e.Email, true
		}
	}
	return who, nil
}

// get reads one of GitHub's API resources into v.
func (p *githubProvider) get(ctx context.Context, tok *oauth2.Token, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.apiURL+path, nil)
	if err != nil {
		return fail(sso.FailureProvider, err)
	}
	tok.SetAuthHeader(req)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	resp, err := p.client.Do(req)
	if err != nil {
		return fail(sso.FailureProvider, fmt.Errorf("GitHub %s: %w", path, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fail(sso.FailureProvider, fmt.Errorf("GitHub %s: %w", path, err))
	}
	if resp.StatusCode != http.StatusOK {
		return fail(sso.FailureProvider, fmt.Errorf("GitHub %s: %s", path, resp.Status))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fail(sso.FailureProvider, fmt.Errorf("GitHub %s: %w", path, err))
	}
	return nil
}
