package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit/authkit/app/internal/pagetest"
	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// signedInProfile is the profile page once loaded, for user.
func signedInProfile(user shared.User) *profilePage {
	p := newProfilePage(nil)
	p.User = &user
	return p
}

// TestProfile_AnAccountWithoutAPasswordIsOfferedToSetOne: an account made
// by a sign-in provider has no current password to type, so the password
// form gives way to a button that mails the link that sets one.
func TestProfile_AnAccountWithoutAPasswordIsOfferedToSetOne(t *testing.T) {
	joined := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	html := app.HTMLString(signedInProfile(shared.User{Email: "ann@example.com", Name: "Ann", DateJoined: joined}).Render())
	if !strings.Contains(html, `id="set-password"`) || !strings.Contains(html, "Set a password") || strings.Contains(html, `id="password-form"`) {
		t.Errorf("without a password: %s", html)
	}
	html = app.HTMLString(signedInProfile(shared.User{Email: "ann@example.com", Name: "Ann", DateJoined: joined, HasPassword: true}).Render())
	if strings.Contains(html, `id="set-password"`) || !strings.Contains(html, `id="password-form"`) {
		t.Errorf("with a password: %s", html)
	}
	// The change form names its account to password managers.
	if !strings.Contains(html, `autocomplete="username"`) || !strings.Contains(html, `value="ann@example.com"`) {
		t.Errorf("the password form has no hidden username: %s", html)
	}
}

// mountedProfile is the profile page for user, loaded and mounted in
// go-app's test engine, calling a server that answers with api. Natively
// go-app calls OnPreRender where a browser calls OnMount: mountedPage
// passes it on, so the page runs its requests in the background and
// applies their answers as in the browser (engine.ConsumeAll waits for
// them). cards, made with the page's client, stand for the modules'.
func mountedProfile(t *testing.T, user shared.User, api http.HandlerFunc, cards ...func(*Client) app.Composer) (*profilePage, app.TestEngine) {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	p := newProfilePage(NewClient(srv.URL, HTTPSender(srv.Client()), func() string { return "" }))
	p.User = &user
	for i, card := range cards {
		p.sections = append(p.sections, ProfileSection{ID: fmt.Sprint("card-", i), Card: card(p.API)})
	}
	engine := app.NewTestEngine()
	if err := engine.Load(&mountedPage{p}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()
	return p, engine
}

type mountedPage struct{ *profilePage }

func (m *mountedPage) OnPreRender(ctx app.Context) { m.OnMount(ctx) }

// TestProfile_SigningOutThisDeviceShowsOnItsRow: Sign out on the row of
// this device's session is busy, then says why it failed, on that row and
// in the sessions' card, as another session's would; the Log out
// everywhere card, which was not used, stays as it was.
func TestProfile_SigningOutThisDeviceShowsOnItsRow(t *testing.T) {
	answer := make(chan struct{})
	p, engine := mountedProfile(t, shared.User{ID: "u1", Email: "ann@example.com", HasPassword: true},
		func(w http.ResponseWriter, r *http.Request) {
			<-answer
			http.Error(w, `{"error":{"code":"internal","message":"The server failed."}}`, http.StatusInternalServerError)
		})
	now := time.Now()
	this := shared.Session{ID: "s1", Current: true, UserAgent: "curl/8.0", CreatedAt: now, LastUsedAt: now}
	p.sessions = []shared.Session{this}

	p.revoke(p.self, app.Event{}, this)
	html := app.HTMLString(p.Render())
	if row := regexp.MustCompile(`(?s)<li[^>]*data-session="s1".*?</li>`).FindString(html); !strings.Contains(row, "Signing out…") {
		t.Errorf("the row's Sign out is not busy: %s", row)
	}
	if attrs := pagetest.TagsByID(html, "button")["logout-all"]; attrs == nil || hasKey(attrs, "aria-busy") || hasKey(attrs, "disabled") {
		t.Errorf("Log out everywhere is busy: %v", attrs)
	}

	close(answer)
	engine.ConsumeAll()
	html = app.HTMLString(p.Render())
	if !strings.Contains(html, "The server failed.") {
		t.Fatalf("the failure is not shown: %s", html)
	}
	if notice := noticeText(html, "sessions-notice"); notice != "The server failed." {
		t.Errorf("the sessions' notice says %q", notice)
	}
	if notice := noticeText(html, "signout-notice"); notice != "" {
		t.Errorf("the Log out everywhere card says %q", notice)
	}
}

// noticeText is the text of the notice in the slot with id ("" for none).
func noticeText(html, slot string) string {
	m := regexp.MustCompile(`<div[^>]*\sid="` + regexp.QuoteMeta(slot) + `"[^>]*>\s*<div[^>]*role="alert"[^>]*>([^<]*)<`).FindStringSubmatch(html)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// TestProfile_RetryingTheSessionsSaysItIsLoading: while the sessions are
// asked again, after they failed to load, their card says so rather than
// that there are none.
func TestProfile_RetryingTheSessionsSaysItIsLoading(t *testing.T) {
	answer := make(chan struct{})
	now := time.Now()
	p, engine := mountedProfile(t, shared.User{ID: "u1", Email: "ann@example.com", HasPassword: true},
		func(w http.ResponseWriter, r *http.Request) {
			<-answer
			writeJSON(w, http.StatusOK, shared.SessionsResponse{Sessions: []shared.Session{
				{ID: "s1", Current: true, UserAgent: "curl/8.0", CreatedAt: now, LastUsedAt: now},
			}})
		})
	p.sessionsErr = fmt.Errorf("%w: connection refused", ErrUnreachable)
	if html := app.HTMLString(p.renderSessions()); !strings.Contains(html, `id="sessions-retry"`) {
		t.Fatalf("no way to try again: %s", html)
	}

	p.onReloadSessions(p.self, app.Event{})
	html := app.HTMLString(p.renderSessions())
	if strings.Contains(html, "No active sessions.") || !strings.Contains(html, `role="status"`) {
		t.Errorf("while the sessions load again: %s", html)
	}

	close(answer)
	engine.ConsumeAll()
	if html := app.HTMLString(p.renderSessions()); !strings.Contains(html, `data-session="s1"`) || strings.Contains(html, `role="status"`) {
		t.Errorf("once they are back: %s", html)
	}
}

// TestProfile_LearnsTheSecondFactorsACardChanged: once a module's card
// has turned two-factor authentication on or off (or added or deleted a
// passkey) and said so (Client.UserChanged), the profile reads the user
// again, so the password's re-authentication dialog offers what the
// account has now: a code instead of the password only while the app is
// on.
func TestProfile_LearnsTheSecondFactorsACardChanged(t *testing.T) {
	me := &fakeMe{user: shared.User{ID: "u1", Email: "ann@example.com", HasPassword: true}}
	p, engine := mountedProfile(t, me.user, me.ServeHTTP)
	reauthRequired := &shared.Error{Code: shared.CodeReauthRequired, Message: "Confirm it's you."}
	offersCode := func() bool {
		app.HTMLString(p.Render())
		p.reauth.Ask(&p.signedInPage, reauthRequired, nil)
		defer p.reauth.close()
		return strings.Contains(app.HTMLString(p.Render()), `id="password-reauth-switch"`)
	}
	if offersCode() {
		t.Fatal("a code is offered before the app is on")
	}
	for _, on := range []bool{true, false} {
		me.change(func(u *shared.User) { u.TOTPEnabled = on })
		p.API.UserChanged() // as the totp card's call does
		engine.ConsumeAll()
		if offersCode() != on {
			t.Errorf("with two-factor authentication turned on = %v, the dialog offers a code = %v", on, !on)
		}
	}
}

// fakeMe is the server's GET /api/me for a mounted page: it answers the
// user as a test last changed it, and counts the reads since.
type fakeMe struct {
	mu    sync.Mutex
	user  shared.User
	reads int
}

func (f *fakeMe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path != "/api/me" {
		http.NotFound(w, r)
		return
	}
	f.reads++
	writeJSON(w, http.StatusOK, shared.UserResponse{User: f.user})
}

// change edits the user the server answers, and starts counting reads
// again.
func (f *fakeMe) change(edit func(*shared.User)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	edit(&f.user)
	f.reads = 0
}

func (f *fakeMe) readsSinceChange() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
}

// testCard is a module's card on the card base, which loads the user as
// the danger zone's does and shows its re-authentication dialog.
type testCard struct {
	cardBase
	reauth Reauth
}

// cardBase is Card under a lower-case name, as a module embeds it
// (page.go).
type cardBase = Card

func (c *testCard) OnPreRender(ctx app.Context) { c.OnMount(ctx); c.Load(ctx, nil) }

func (c *testCard) Render() app.UI { return app.Div().Body(c.reauth.Render(&c.Page, c.API, c.User)) }

// TestProfile_OneReadingTellsEveryCard: when a card changes the user
// (Client.UserChanged), the page and every card on the card base read
// the user again, with one request in all: each card's re-authentication
// dialog then offers a code once the app is on.
func TestProfile_OneReadingTellsEveryCard(t *testing.T) {
	me := &fakeMe{user: shared.User{ID: "u1", Email: "ann@example.com", HasPassword: true}}
	var cards []*testCard
	newCard := func(api *Client) app.Composer {
		c := &testCard{cardBase: NewCard(api, "/profile"), reauth: NewReauth(fmt.Sprint("card-", len(cards), "-reauth"))}
		cards = append(cards, c)
		return c
	}
	p, engine := mountedProfile(t, me.user, me.ServeHTTP, newCard, newCard)
	reauthRequired := &shared.Error{Code: shared.CodeReauthRequired, Message: "Confirm it's you."}
	for i, c := range cards {
		if c.User == nil {
			t.Fatalf("card %d did not load", i)
		}
		c.reauth.Ask(&c.SignedInPage, reauthRequired, nil)
	}

	me.change(func(u *shared.User) { u.TOTPEnabled = true })
	p.API.UserChanged() // as the totp card's call does
	engine.ConsumeAll()
	if reads := me.readsSinceChange(); reads != 1 {
		t.Errorf("GET /api/me for one change = %d, want 1", reads)
	}
	if !p.User.TOTPEnabled {
		t.Error("the page did not learn the change")
	}
	for i, c := range cards {
		if html := app.HTMLString(c.Render()); !strings.Contains(html, fmt.Sprintf(`id="card-%d-reauth-switch"`, i)) {
			t.Errorf("card %d's dialog offers no code: %s", i, html)
		}
	}
}
