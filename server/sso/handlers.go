package sso

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
	"github.com/authkit/authkit/shared/sso"
)

// handlers are the module's endpoints. start and callback are browser
// navigations: they answer with redirects, never with JSON, except for an
// unknown provider (404), which no page of the app links to.
type handlers struct {
	kit       *httpapi.Kit
	providers []provider
	byID      map[string]provider
	starts    *auth.Throttle // sign-in attempts per client: each one stores a row
}

// startsPerMinute bounds the attempts one client may start: far more than
// a person clicks, few enough that nobody fills the attempts table.
const startsPerMinute = 30

func newHandlers(k *httpapi.Kit, providers []provider) *handlers {
	h := &handlers{kit: k, providers: providers, byID: map[string]provider{}}
	if k.Auth != nil { // nil when only the OpenAPI document is made
		h.starts = k.Auth.NewThrottle("sso-start", startsPerMinute, time.Minute)
	}
	for _, p := range providers {
		h.byID[p.ID()] = p
	}
	return h
}

var errCrossSiteConnect = shared.NewError(shared.CodeCSRFFailed, "Connect a sign-in account from your profile page on this site.")

var errNoSuchProvider = shared.NewError(shared.CodeNotFound, "This server does not offer that sign-in provider.")

func (h *handlers) provider(r *http.Request) (provider, error) {
	p, ok := h.byID[r.PathValue("id")]
	if !ok {
		return nil, errNoSuchProvider
	}
	return p, nil
}

// providerName names a provider for people; an identity of a provider
// that is no longer configured keeps its id as its name.
func (h *handlers) providerName(id string) string {
	if p, ok := h.byID[id]; ok {
		return p.Name()
	}
	return id
}

// redirectURL is the provider's callback, to be registered at the
// provider: PUBLIC_URL/api/auth/oauth/{id}/callback.
func (h *handlers) redirectURL(p provider) string {
	return h.kit.Auth.Config().PublicURL + "/api/auth/oauth/" + p.ID() + "/callback"
}

func (h *handlers) listProviders(w http.ResponseWriter, r *http.Request) error {
	resp := sso.LoginProvidersResponse{Providers: make([]sso.LoginProvider, 0, len(h.providers))}
	for _, p := range h.providers {
		resp.Providers = append(resp.Providers, sso.LoginProvider{ID: p.ID(), Name: p.Name()})
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
	return nil
}

// start sends the browser to the provider, having stored the attempt and
// bound it to the browser with the state cookie.
func (h *handlers) start(w http.ResponseWriter, r *http.Request) error {
	p, err := h.provider(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := h.starts.TakeClient(ctx, httpapi.ClientOf(r).IP); err != nil {
		return err
	}
	q := r.URL.Query()
	var linker auth.Principal
	if q.Get("link") == "1" {
		// A navigation, so SameSite=Lax sends the cookies along even from
		// another site: a page elsewhere could connect the provider
		// account the visitor is signed in with there. Browsers say where
		// a navigation came from (Fetch Metadata); only this site's own
		// pages may start a connection.
		if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
			return errCrossSiteConnect
		}
		var signedIn bool
		if linker, signedIn = h.kit.API.Caller(r); !signedIn {
			redirect(w, "/login?next=/profile")
			return nil
		}
		// Connecting adds a way into the account, which someone at an
		// unattended, signed-in browser must not be able to do: the same
		// recent session as the RequireRecent guard's (OWASP ASVS 3.7.1).
		// The app asks for the password (POST /api/auth/reauth) and
		// comes back.
		if !h.kit.API.Recent(linker) {
			redirect(w, failureURL("/profile", sso.FailureRecentLoginRequired, p))
			return nil
		}
		// And, as for every credential, a confirmed address: until then,
		// whoever signed up may not be its owner (httpapi.Route's
		// AddsCredential).
		if !linker.EmailVerified {
			redirect(w, failureURL("/profile", sso.FailureEmailUnverified, p))
			return nil
		}
	}
	state, a := h.newAttempt(p, shared.SafeNext(q.Get("next")), linker)
	authURL, err := p.AuthURL(ctx, state, a, h.redirectURL(p))
	if err == nil {
		err = h.saveAttempt(ctx, a)
	}
	if err != nil {
		return h.failed(w, r, p, a, err)
	}
	h.setStateCookie(w, state)
	redirect(w, authURL)
	return nil
}

// callback finishes an attempt: the state first (so nothing of a forged
// callback is acted upon, not even its error), then the provider's
// answer, then the account.
func (h *handlers) callback(w http.ResponseWriter, r *http.Request) error {
	p, err := h.provider(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	h.clearStateCookie(w)
	a, err := h.takeAttempt(ctx, r, p)
	if err != nil {
		return h.failed(w, r, p, nil, err)
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		code := sso.FailureProvider
		if e == "access_denied" {
			code = sso.FailureCancelled
		}
		return h.failed(w, r, p, a, fail(code, errors.New("the provider answered "+e)))
	}
	who, err := p.Exchange(ctx, a, h.redirectURL(p), q.Get("code"))
	switch {
	case err != nil:
	case who.Subject == "":
		// go-oidc does not insist on "sub"; without it every such token
		// would name the same identity.
		err = fail(sso.FailureInvalidToken, errors.New("the provider named no subject"))
	case strings.ContainsRune(who.Subject+who.Email, 0):
		// No database stores a NUL: stored, it failed as a server error.
		err = fail(sso.FailureProvider, errors.New("the provider's claims hold a NUL character"))
	}
	if err != nil {
		return h.failed(w, r, p, a, err)
	}
	if a.UserID != "" {
		return h.finishConnecting(w, r, p, a, who)
	}
	return h.finishSigningIn(w, r, p, a, who)
}

func (h *handlers) finishSigningIn(w http.ResponseWriter, r *http.Request, p provider, a *attempt, who person) error {
	ctx := r.Context()
	var (
		res       signInResult
		challenge *shared.MFAChallenge
		err       error
	)
	// The session starts only if the provider account still leads to
	// the account (stillConnected): a password reset that disconnected
	// it after resolve must not be outlived. Then the sign-in is decided
	// again, as the accounts are now.
	for range 2 {
		if res, err = h.resolve(ctx, p, who); err != nil {
			break
		}
		if testHookResolved != nil {
			testHookResolved()
		}
		checked := r.WithContext(auth.WithFirstStep(ctx, stillConnected(res.user.ID, p.ID(), who.Subject)))
		if challenge, err = h.startSession(w, checked, res.user, p.ID()); !errors.Is(err, errIdentityGone) {
			break
		}
	}
	if err != nil {
		return h.failed(w, r, p, a, err)
	}
	if res.connected != nil {
		h.notify(ctx, "identity_connected", res.user, res.connected)
	}
	if res.created && !res.user.EmailVerified {
		// As at registration: a link to confirm the address.
		if err := h.kit.Auth.Recovery.ResendVerification(ctx, auth.Principal{UserID: res.user.ID}); err != nil {
			h.kit.Log.Log(ctx, store.LogLevel(err), "confirmation mail not queued", "user_id", res.user.ID, "err", err)
		}
	}
	if challenge != nil {
		// The account has a second factor: the login page asks for it,
		// then goes on to next.
		redirect(w, secondStepURL(challenge, a.Next))
		return nil
	}
	redirect(w, a.Next)
	return nil
}

// testHookResolved, set by tests (export_test.go), runs when a sign-in
// has found its account and before its session starts: where a
// concurrent password reset lands in a race.
var testHookResolved func()

// startSession signs u in on a new browser session, the same session row,
// cookies and revocation as a password login, recorded as signed in by
// method (the provider's id). For an account with a second factor it
// starts no session and returns the challenge instead (API.SignIn).
func (h *handlers) startSession(w http.ResponseWriter, r *http.Request, u *store.User, method string) (*shared.MFAChallenge, error) {
	challenge, err := h.kit.API.SignIn(w, r, u, method)
	var apiErr *shared.Error
	if errors.As(err, &apiErr) && apiErr.Code == shared.CodeInvalidCredentials {
		return nil, errAccountDisabled // deactivated since resolve read it
	}
	return challenge, err
}

// secondStepURL is the login page's second step for a challenge; the page
// takes the token out of the address bar as it loads.
func secondStepURL(ch *shared.MFAChallenge, next string) string {
	q := url.Values{"mfa_token": {ch.MFAToken}, "methods": {strings.Join(ch.Methods, ",")}}
	if next != "" && next != "/profile" {
		q.Set("next", next)
	}
	return "/login?" + q.Encode()
}

func (h *handlers) finishConnecting(w http.ResponseWriter, r *http.Request, p provider, a *attempt, who person) error {
	ctx := r.Context()
	added, err := h.connect(ctx, p, a, who)
	if err != nil {
		return h.failed(w, r, p, a, err)
	}
	if added != nil {
		if u, err := h.kit.Store.UserByID(ctx, a.UserID); err == nil {
			h.notify(ctx, "identity_connected", u, added)
		}
	}
	redirect(w, "/profile?"+sso.Connected+"="+url.QueryEscape(p.ID()))
	return nil
}

// failed sends the browser back to the app with the failure's code: to
// the login page, or to the profile when the attempt was a connection.
// An error that is not a failure (the database) is logged and shown as
// server_error.
func (h *handlers) failed(w http.ResponseWriter, r *http.Request, p provider, a *attempt, err error) error {
	page := "/login"
	if a != nil && a.UserID != "" {
		page = "/profile"
	}
	f, ok := asFailure(err)
	if !ok {
		if store.IsUnavailable(err) {
			h.kit.Log.WarnContext(r.Context(), "sign-in failed: database unavailable", "provider", p.ID(), "err", err)
		} else {
			h.kit.Log.ErrorContext(r.Context(), "sign-in failed", "provider", p.ID(), "err", err)
		}
		f = fail(sso.FailureServer, err)
	} else {
		h.kit.Log.InfoContext(r.Context(), "sign-in refused", "provider", p.ID(), "failure", f.Code, "err", f.Err)
	}
	redirect(w, failureURL(page, f.Code, p))
	return nil
}

func failureURL(page string, code sso.Failure, p provider) string {
	return page + "?error=" + url.QueryEscape(string(code)) + "&provider=" + url.QueryEscape(p.ID())
}

// redirect answers a navigation with 302 Found. No body: nobody sees it.
func redirect(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusFound)
}

func (h *handlers) listIdentities(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	list, err := userIdentities(r.Context(), h.kit.Store, caller.UserID)
	if err != nil {
		return err
	}
	resp := sso.IdentitiesResponse{Identities: make([]sso.Identity, 0, len(list))}
	for i := range list {
		resp.Identities = append(resp.Identities, identityJSON(&list[i], h.providerName(list[i].Provider)))
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
	return nil
}

func (h *handlers) disconnect(w http.ResponseWriter, r *http.Request) error {
	caller, _ := httpapi.UserFrom(r.Context())
	id, u, err := h.removeIdentity(r.Context(), caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	h.notify(r.Context(), "identity_disconnected", u, id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
