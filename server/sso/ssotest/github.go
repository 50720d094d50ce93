package ssotest

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// GitHubUser is who signs in at the GitHub stand-in.
type GitHubUser struct {
	ID     int64
	Login  string
	Name   string
	Emails []GitHubEmail
}

// GitHubEmail is one of a GitHub user's addresses (GET /user/emails).
type GitHubEmail struct {
	Email    string
	Primary  bool
	Verified bool
}

// GitHub stands in for github.com's OAuth endpoints (URL/login/oauth/…)
// and its API (URL/api): point the module's GitHub WebURL at URL and
// APIURL at URL+"/api".
type GitHub struct {
	URL string

	mu     sync.Mutex
	queue  []GitHubUser
	grants map[string]githubGrant
	tokens map[string]GitHubUser
}

type githubGrant struct {
	user                GitHubUser
	challenge, redirect string
}

// NewGitHub starts the stand-in until the test ends.
func NewGitHub(t testing.TB) *GitHub {
	t.Helper()
	g := &GitHub{grants: map[string]githubGrant{}, tokens: map[string]GitHubUser{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", g.authorize)
	mux.HandleFunc("POST /login/oauth/access_token", g.accessToken)
	mux.HandleFunc("GET /api/user", g.user)
	mux.HandleFunc("GET /api/user/emails", g.emails)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	g.URL = srv.URL
	return g
}

// Approve queues a user: the next authorize request signs them in.
func (g *GitHub) Approve(u GitHubUser) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.queue = append(g.queue, u)
}

func (g *GitHub) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	g.mu.Lock()
	defer g.mu.Unlock()
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || back.Host == "" || q.Get("client_id") != ClientID || len(g.queue) == 0 {
		http.Error(w, "unknown client, bad redirect_uri, or nobody queued (call Approve)", http.StatusBadRequest)
		return
	}
	u := g.queue[0]
	g.queue = g.queue[1:]
	code := rand.Text()
	g.grants[code] = githubGrant{user: u, challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	back.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// accessToken answers as GitHub does: form-encoded, and with status 200
// even for an error.
func (g *GitHub) accessToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
	if !clientAuthenticated(r) {
		w.Write([]byte(url.Values{"error": {"incorrect_client_credentials"}}.Encode())) //nolint:errcheck // test server
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	code := r.PostForm.Get("code")
	gr, ok := g.grants[code]
	delete(g.grants, code)
	if !ok || r.PostForm.Get("redirect_uri") != gr.redirect || !pkceMatches(r.PostForm.Get("code_verifier"), gr.challenge) {
		w.Write([]byte(url.Values{"error": {"bad_verification_code"}}.Encode())) //nolint:errcheck // test server
		return
	}
	token := rand.Text()
	g.tokens[token] = gr.user
	w.Write([]byte(url.Values{"access_token": {token}, "token_type": {"bearer"}, "scope": {"read:user,user:email"}}.Encode())) //nolint:errcheck // test server
}

func (g *GitHub) caller(w http.ResponseWriter, r *http.Request) (GitHubUser, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	u, ok := g.tokens[bearer(r)]
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
	}
	return u, ok
}

func (g *GitHub) user(w http.ResponseWriter, r *http.Request) {
	u, ok := g.caller(w, r)
	if !ok {
		return
	}
	var email any // GitHub shows the public email, often none
	writeJSON(w, http.StatusOK, map[string]any{"id": u.ID, "login": u.Login, "name": u.Name, "email": email})
}

func (g *GitHub) emails(w http.ResponseWriter, r *http.Request) {
	u, ok := g.caller(w, r)
	if !ok {
		return
	}
	list := make([]map[string]any, 0, len(u.Emails))
	for _, e := range u.Emails {
		list = append(list, map[string]any{"email": e.Email, "primary": e.Primary, "verified": e.Verified, "visibility": nil})
	}
	writeJSON(w, http.StatusOK, list)
}
