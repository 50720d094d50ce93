// Package sso is social and single sign-on as a module: "Sign in with
// Google / GitHub / our company SSO". It signs people in through an
// OpenID Connect provider (a company's, or Google) or GitHub (OAuth 2.0),
// makes an account for a newcomer, and lets a signed-in user connect and
// disconnect such identities from the profile.
//
// The flow (handlers.go) is the authorization code flow with every check
// RFC 9700 asks of a client: a state bound to the browser by a cookie and
// stored server-side (single use, 10 minutes), PKCE (S256) and, for
// OpenID Connect, a nonce, and an ID token verified in full (oidc.go).
// Accounts are matched safely (accounts.go): a provider account is
// remembered by the provider's stable id, never by its email, and an
// email that already has an account is connected automatically only when
// both sides have verified it, which stops account pre-hijacking.
//
// main.go lists &sso.Module{}; `authkit serve` fills in its settings from
// flags (RegisterFlags). An unconfigured provider does not exist.
package sso

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun/migrate"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/shared"
	"github.com/authkit/authkit/shared/sso"
)

// migrations holds the module's schema history, one file per change.
var migrations = migrate.NewMigrations()

// The real providers' addresses; tests point the settings at their own.
const (
	GoogleIssuer    = "https://accounts.google.com"
	GitHubWebURL    = "https://github.com"
	GitHubAPIURL    = "https://api.github.com"
	defaultOIDCName = "Company SSO"
)

// Module is the sign-in providers module. Its fields are its settings; a
// provider is offered when its client id is set (and, for the generic
// one, its issuer).
type Module struct {
	// OIDC is a generic OpenID Connect provider: the company's SSO.
	OIDC OIDCSettings
	// Google signs in with Google accounts (OpenID Connect).
	Google GoogleSettings
	// GitHub signs in with GitHub accounts (OAuth 2.0 and GitHub's API).
	GitHub GitHubSettings
	// HTTPClient makes the server's own requests to providers (discovery,
	// code exchange, keys, GitHub's API); nil means one with a 10-second
	// timeout.
	HTTPClient *http.Client
}

// OIDCSettings configure the generic OpenID Connect provider.
type OIDCSettings struct {
	Issuer       string // discovery is at Issuer/.well-known/openid-configuration
	ClientID     string
	ClientSecret string
	Name         string // on the button; "Company SSO" when empty
}

// GoogleSettings configure Google.
type GoogleSettings struct {
	ClientID, ClientSecret string
	Issuer                 string // GoogleIssuer when empty; tests use their own
}

// GitHubSettings configure GitHub.
type GitHubSettings struct {
	ClientID, ClientSecret string
	WebURL                 string // GitHubWebURL when empty (the authorize and token endpoints)
	APIURL                 string // GitHubAPIURL when empty
}

// RegisterFlags implements httpapi.Configurable. Each flag has its
// AUTHKIT_… variable; the secrets belong there, not on a command line
// that other users of the machine can read.
func (m *Module) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&m.OIDC.Issuer, "oidc-issuer", "", "issuer URL of an OpenID Connect provider to sign in with (the company's SSO: Keycloak, Authentik, Zitadel, Okta, Entra ID, Dex…)")
	fs.StringVar(&m.OIDC.ClientID, "oidc-client-id", "", "client id registered at --oidc-issuer")
	fs.StringVar(&m.OIDC.ClientSecret, "oidc-client-secret", "", "client secret registered at --oidc-issuer (prefer AUTHKIT_OIDC_CLIENT_SECRET)")
	fs.StringVar(&m.OIDC.Name, "oidc-name", defaultOIDCName, "name of the --oidc-issuer provider on the sign-in button")
	fs.StringVar(&m.Google.ClientID, "google-client-id", "", "OAuth client id for signing in with Google")
	fs.StringVar(&m.Google.ClientSecret, "google-client-secret", "", "OAuth client secret for Google (prefer AUTHKIT_GOOGLE_CLIENT_SECRET)")
	fs.StringVar(&m.GitHub.ClientID, "github-client-id", "", "OAuth app client id for signing in with GitHub")
	fs.StringVar(&m.GitHub.ClientSecret, "github-client-secret", "", "OAuth app client secret for GitHub (prefer AUTHKIT_GITHUB_CLIENT_SECRET)")
}

// CheckFlags implements httpapi.FlagChecker: a provider half configured,
// or reached over plain http beyond this machine, is bad usage, found
// before serve opens the database (Mount checks the same again).
func (m *Module) CheckFlags() error {
	_, err := m.providers(time.Now)
	return err
}

// The module keeps personal data: its hooks are in userdata.go.
var _ httpapi.UserDataOwner = (*Module)(nil)
var _ httpapi.FlagChecker = (*Module)(nil)

// Name implements httpapi.Module.
func (m *Module) Name() string { return "sso" }

// Description describes the module's tag in the OpenAPI document.
func (m *Module) Description() string {
	return "Signing in with an OpenID Connect provider (the company's SSO, Google) or GitHub, and the provider accounts connected to a user."
}

// Migrations implements httpapi.Module.
func (m *Module) Migrations() *migrate.Migrations { return migrations }

// Mount implements httpapi.Module. It checks the settings (a provider
// half configured, or reached over plain http beyond this machine, stops
// the server) and returns the routes, which exist whether or not any
// provider is configured: an unknown provider's URLs answer 404.
func (m *Module) Mount(k *httpapi.Kit) ([]httpapi.Route, error) {
	providers, err := m.providers(k.Now)
	if err != nil {
		return nil, err
	}
	h := newHandlers(k, providers)
	k.RegisterWayIn(wayIn, h.countIdentities)
	// A password reset of an account whose address was never confirmed
	// disconnects every provider account: whoever connected one had not
	// shown they own the mailbox (pre-hijacking). So it does, with every
	// other way in, on an account a provider made without vouching for
	// the address (unvouched.go).
	k.RegisterWayInRemover(m.DeleteUserData)
	k.RegisterUnproven(clearUnvouched)
	idParam := httpapi.Param{Name: "id", In: "path", Description: "The provider's id: oidc, google or github."}
	return []httpapi.Route{
		{Pattern: "GET /api/auth/providers", Name: "listLoginProviders",
			Summary:     "The sign-in providers offered",
			Description: "The login and register pages show a button for each. Empty when none is configured.",
			Response:    sso.LoginProvidersResponse{}, Returns: "The configured providers.", Handler: h.listProviders},
		{Pattern: "GET /api/auth/oauth/{id}/start", Name: "startProviderSignIn",
			Summary: "Sign in with a provider (a browser navigation)",
			Description: "Redirects to the provider's sign-in page with `state`, a PKCE challenge (S256) and, for OpenID Connect, a `nonce`, and sets a short-lived HttpOnly, SameSite=Lax cookie that binds the attempt to this browser (it works once, within 10 minutes). " +
				"Throttled per client (30 a minute). With `link=1` a signed-in user connects the provider account to theirs instead; that needs a recent session (signed in or re-authenticated with `POST /api/auth/reauth` within `--reauth-window`, as the `reauth_required` routes do), else the browser goes to `/profile?error=recent_login_required&provider={id}` (the app asks the person to confirm it's them, then starts again); it also needs a confirmed email address, as adding any credential does, else `/profile?error=email_unverified&provider={id}`; without a session, the browser goes to `/login`.",
			Params: []httpapi.Param{idParam,
				{Name: "next", In: "query", Description: "Where to land after signing in: a path of this site; anything else means `/profile`."},
				{Name: "link", In: "query", Description: "`1` to connect the provider account to the signed-in user; only from this site's pages (a `Sec-Fetch-Site` other than `same-origin` is `csrf_failed`)."}},
			Status: http.StatusFound, Returns: "To the provider (`Location`).",
			Errors: []shared.Code{shared.CodeNotFound, shared.CodeCSRFFailed, shared.CodeRateLimited}, Handler: h.start},
		{Pattern: "GET /api/auth/oauth/{id}/callback", Name: "finishProviderSignIn",
			Summary: "Where the provider sends the browser back",
			Description: "Register `PUBLIC_URL/api/auth/oauth/{id}/callback` at the provider. Checks the state against the browser's cookie, redeems the code with the PKCE verifier and verifies the ID token (signature, issuer, audience, expiry, nonce), then starts a session with the same cookies as a password login and redirects to `next`; when the account has a second factor (an authenticator app) it starts none and redirects to the login page's code step, `/login?mfa_token=…&methods=…`, as a password login answers `mfa_required`. " +
				"A newcomer gets an account (no password; the email is verified when the provider says so). An email that already has an account is connected only when the provider and the account have both verified it and the account has no second factor (recorded as `identity_connected` in the account's activity, and mailed); otherwise the answer is `account_exists`. " +
				"Any failure redirects to `/login?error=CODE&provider=ID` (when connecting, `/profile?error=…`), with CODE one of invalid_state, access_denied, provider_error, invalid_id_token, email_missing, account_exists, account_disabled, identity_taken, recent_login_required, email_unverified, login_required, or server_error (the server's own failure).",
			Params: []httpapi.Param{idParam,
				{Name: "code", In: "query", Description: "The authorization code."},
				{Name: "state", In: "query", Description: "The attempt's state, as sent."},
				{Name: "error", In: "query", Description: "The provider's error, when sign-in did not happen (access_denied: declined)."}},
			Status: http.StatusFound, Returns: "Signed in (session cookies set) and on to `next`, or back to the app with the failure (`Location`).",
			Errors: []shared.Code{shared.CodeNotFound}, Handler: h.callback},
		{Pattern: "GET /api/me/identities", Guard: httpapi.RequireUser, Name: "listIdentities",
			Summary:     "The provider accounts connected to the user",
			Description: "Oldest first. Connect one with `GET /api/auth/oauth/{id}/start?link=1`.",
			Response:    sso.IdentitiesResponse{}, Returns: "The connected accounts.", Handler: h.listIdentities},
		{Pattern: "DELETE /api/me/identities/{id}", Guard: httpapi.RequireVerified, Name: "disconnectIdentity",
			Summary:     "Disconnect a provider account",
			Description: "Refused with `last_login_method` when it is the account's last way to sign in (no password, no passkey and no other connected account of a provider the server offers). Records `identity_disconnected` in the account's activity and mails the user. Another user's identity id answers 404.",
			Params:      []httpapi.Param{{Name: "id", In: "path", Description: "The identity's id."}},
			Returns:     "Disconnected.", Errors: []shared.Code{shared.CodeNotFound, shared.CodeLastLoginMethod},
			Handler: h.disconnect},
	}, nil
}

// providers builds the configured providers, in the order of the buttons.
func (m *Module) providers(now func() time.Time) ([]provider, error) {
	client := m.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	var list []provider
	if m.OIDC.Issuer != "" || m.OIDC.ClientID != "" {
		if m.OIDC.Issuer == "" || m.OIDC.ClientID == "" {
			return nil, errors.New("--oidc-issuer and --oidc-client-id go together")
		}
		if err := checkURL("--oidc-issuer", m.OIDC.Issuer); err != nil {
			return nil, err
		}
		name := strings.TrimSpace(m.OIDC.Name)
		if name == "" {
			name = defaultOIDCName
		}
		list = append(list, &openIDProvider{id: "oidc", name: name, issuer: m.OIDC.Issuer,
			clientID: m.OIDC.ClientID, clientSecret: m.OIDC.ClientSecret, client: client, now: now})
	} else if m.OIDC.ClientSecret != "" {
		return nil, errors.New("--oidc-client-secret needs --oidc-issuer and --oidc-client-id")
	}
	if m.Google.ClientID != "" {
		issuer := or(m.Google.Issuer, GoogleIssuer)
		if err := checkURL("the Google issuer", issuer); err != nil {
			return nil, err
		}
		list = append(list, &openIDProvider{id: "google", name: "Google", issuer: issuer,
			clientID: m.Google.ClientID, clientSecret: m.Google.ClientSecret, client: client, now: now})
	} else if m.Google.ClientSecret != "" {
		return nil, errors.New("--google-client-secret needs --google-client-id")
	}
	if m.GitHub.ClientID != "" {
		gh := &githubProvider{clientID: m.GitHub.ClientID, clientSecret: m.GitHub.ClientSecret,
			webURL: strings.TrimRight(or(m.GitHub.WebURL, GitHubWebURL), "/"),
			apiURL: strings.TrimRight(or(m.GitHub.APIURL, GitHubAPIURL), "/"), client: client}
		for _, u := range []string{gh.webURL, gh.apiURL} {
			if err := checkURL("the GitHub URL", u); err != nil {
				return nil, err
			}
		}
		list = append(list, gh)
	} else if m.GitHub.ClientSecret != "" {
		return nil, errors.New("--github-client-secret needs --github-client-id")
	}
	return list, nil
}

// checkURL accepts https URLs, and http ones only on this machine (a
// provider for development or tests): tokens and keys must not cross a
// network in the clear.
func checkURL(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%s must be a URL such as https://sso.example.com/realms/main, not %q", what, raw)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%s must be an https URL (http only for localhost), not %q", what, raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
