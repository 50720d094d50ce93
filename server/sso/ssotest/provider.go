// Package ssotest runs sign-in providers inside a test, on loopback: an
// OpenID Connect provider (discovery, authorize, token, JWKS, userinfo)
// and a stand-in for GitHub's OAuth endpoints and API. Their authorize
// endpoints approve at once whoever the test queued, so a test walks the
// whole browser flow with no person and no network. Both check what the
// real ones check (client credentials, redirect URI, single-use codes and
// PKCE), and the OpenID Connect one can be told to misbehave in one way
// (a wrong nonce, audience, issuer, expiry or signing key) so tests see
// the kit refuse it.
package ssotest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The client credentials the providers accept.
const (
	ClientID     = "authkit-test-client"
	ClientSecret = "authkit-test-secret"
)

// Person is who signs in at the OpenID Connect provider.
type Person struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
}

// Provider is an OpenID Connect provider for tests. URL is its issuer.
type Provider struct {
	URL string

	srv      *httptest.Server
	key      *rsa.PrivateKey
	otherKey *rsa.PrivateKey // same kid, not published: a wrongly signed token

	mu        sync.Mutex
	now       func() time.Time
	queue     []approval
	grants    map[string]*grant   // code → what it was issued for
	tokens    map[string]Person   // access token → its person
	authorize []url.Values        // every authorize request's query, for tests to inspect
	tamper    func(jwt.MapClaims) // applied to the next ID token
	wrongKey  bool                // sign the next ID token with otherKey
}

// approval is what the next authorize request does: sign someone in, or
// report that the person declined.
type approval struct {
	person  Person
	decline bool
}

type grant struct {
	person                     Person
	nonce, challenge, redirect string
}

// NewProvider starts a provider until the test ends.
func NewProvider(t testing.TB) *Provider {
	t.Helper()
	p := &Provider{now: time.Now, grants: map[string]*grant{}, tokens: map[string]Person{}}
	var err error
	if p.key, p.otherKey, err = signingKeys(); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /authorize", p.authorizeEndpoint)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /userinfo", p.userinfo)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	p.URL = p.srv.URL
	return p
}

// signingKeys are the providers' key and the unpublished one, made once
// per test binary: an RSA key takes a good part of a second to make.
var signingKeys = func() func() (*rsa.PrivateKey, *rsa.PrivateKey, error) {
	keys := sync.OnceValues(func() ([2]*rsa.PrivateKey, error) {
		var pair [2]*rsa.PrivateKey
		for i := range pair {
			key, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				return pair, err
			}
			pair[i] = key
		}
		return pair, nil
	})
	return func() (*rsa.PrivateKey, *rsa.PrivateKey, error) {
		pair, err := keys()
		return pair[0], pair[1], err
	}
}()

// SetClock makes the provider date its tokens by now (the kit's clock in
// tests that move it).
func (p *Provider) SetClock(now func() time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.now = now
}

// Approve queues a person: the next authorize request signs them in.
func (p *Provider) Approve(who Person) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = append(p.queue, approval{person: who})
}

// Decline makes the next authorize request answer access_denied, as
// when the person refuses.
func (p *Provider) Decline() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = append(p.queue, approval{decline: true})
}

// TamperNextIDToken changes the claims of the next ID token before it is
// signed (a wrong nonce, audience, issuer or expiry).
func (p *Provider) TamperNextIDToken(f func(claims jwt.MapClaims)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper = f
}

// SignNextIDTokenWithUnknownKey signs the next ID token with a key that
// the JWKS does not publish, under the published key's id.
func (p *Provider) SignNextIDTokenWithUnknownKey() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wrongKey = true
}

// AuthorizeRequests returns the query of every authorize request so far.
func (p *Provider) AuthorizeRequests() []url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]url.Values(nil), p.authorize...)
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.URL,
		"authorization_endpoint":                p.URL + "/authorize",
		"token_endpoint":                        p.URL + "/token",
		"jwks_uri":                              p.URL + "/jwks",
		"userinfo_endpoint":                     p.URL + "/userinfo",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

// authorizeEndpoint approves the queued person at once and sends the
// browser back with a code. Like a careful provider, it insists on PKCE.
func (p *Provider) authorizeEndpoint(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.authorize = append(p.authorize, q)
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || back.Host == "" || q.Get("client_id") != ClientID {
		http.Error(w, "unknown client or redirect_uri", http.StatusBadRequest)
		return
	}
	if len(p.queue) == 0 {
		http.Error(w, "ssotest: nobody was queued to sign in (call Approve)", http.StatusBadRequest)
		return
	}
	next := p.queue[0]
	p.queue = p.queue[1:]
	answer := url.Values{"state": {q.Get("state")}}
	switch {
	case next.decline:
		answer.Set("error", "access_denied")
	case q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		answer.Set("error", "invalid_request")
	default:
		code := rand.Text()
		p.grants[code] = &grant{person: next.person, nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
		answer.Set("code", code)
	}
	back.RawQuery = answer.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token redeems a code, once, for the client that it was issued to, with
// the PKCE verifier of its challenge, and answers with an ID token.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if !clientAuthenticated(r) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.grants[r.PostForm.Get("code")]
	delete(p.grants, r.PostForm.Get("code"))
	if !ok || r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != g.redirect ||
		!pkceMatches(r.PostForm.Get("code_verifier"), g.challenge) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	access := rand.Text()
	p.tokens[access] = g.person
	idToken, err := p.idToken(g)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": idToken,
	})
}

// idToken signs the claims of a grant, as tampered with by the test.
func (p *Provider) idToken(g *grant) (string, error) {
	now := p.now()
	claims := jwt.MapClaims{
		"iss": p.URL, "sub": g.person.Subject, "aud": ClientID,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"nonce": g.nonce, "email": g.person.Email, "email_verified": g.person.EmailVerified, "name": g.person.Name,
	}
	if g.person.Email == "" {
		delete(claims, "email")
		delete(claims, "email_verified")
	}
	if p.tamper != nil {
		p.tamper(claims)
		p.tamper = nil
	}
	key := p.key
	if p.wrongKey {
		key, p.wrongKey = p.otherKey, false
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = "test-key"
	return tok.SignedString(key)
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	pub := p.key.PublicKey
	b64 := base64.RawURLEncoding
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "test-key", "use": "sig", "alg": "RS256",
		"n": b64.EncodeToString(pub.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	who, ok := p.tokens[bearer(r)]
	p.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sub": who.Subject, "email": who.Email, "email_verified": who.EmailVerified, "name": who.Name,
	})
}

// clientAuthenticated checks the client's id and secret, sent with HTTP
// Basic authentication or in the form, and parses the form.
func clientAuthenticated(r *http.Request) bool {
	if r.ParseForm() != nil {
		return false
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return subtle.ConstantTimeCompare([]byte(id), []byte(ClientID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(ClientSecret)) == 1
}

// pkceMatches checks an S256 challenge (RFC 7636 §4.6).
func pkceMatches(verifier, challenge string) bool {
	if verifier == "" || challenge == "" {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

// bearer is the access token of an Authorization header ("Bearer …").
func bearer(r *http.Request) string {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return token
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // a test server; the client sees a short body
}
