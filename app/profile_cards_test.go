package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/app/passkeys"
	"github.com/authkit/authkit/app/sso"
	"github.com/authkit/authkit/app/totp"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestProfile_FailedCardsHaveTheirOwnIDs: when the profile's cards all
// fail to load (the sessions and the modules' cards), each shows its own
// Try again: no two elements of the page share an id, which would be
// invalid HTML and make labels and aria references ambiguous.
func TestProfile_FailedCardsHaveTheirOwnIDs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/api/me" {
			fmt.Fprint(w, `{"user":{"id":"u1","email":"ann@example.com","email_verified":true,"has_password":true}}`)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"error":{"code":"internal","message":"Something went wrong."}}`)
	}))
	t.Cleanup(srv.Close)
	api := app.NewClient(srv.URL, app.HTTPSender(srv.Client()), func() string { return "" })

	page := []string{goapp.HTMLString(app.FailedSessionsCard(fmt.Errorf("%w: connection refused", app.ErrUnreachable)))}
	for _, m := range []app.Module{totp.Module(), passkeys.Module(), sso.Module()} {
		for _, section := range m.ProfileSections(api) {
			engine := goapp.NewTestEngine()
			if err := engine.Load(&mountedCard{section.Card}); err != nil {
				t.Fatal(err)
			}
			engine.ConsumeAll()
			html := goapp.HTMLString(section.Card)
			if !strings.Contains(html, "Try again") {
				t.Fatalf("card %s did not fail to load: %s", section.ID, html)
			}
			page = append(page, html)
		}
	}
	seen := map[string]int{}
	for _, m := range regexp.MustCompile(`\sid="([^"]*)"`).FindAllStringSubmatch(strings.Join(page, ""), -1) {
		seen[m[1]]++
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("id %q is used %d times", id, n)
		}
	}
}

// mountedCard passes on OnPreRender, which go-app calls natively, as the
// browser's OnMount, so the card loads as on the page.
type mountedCard struct{ goapp.Composer }

func (m *mountedCard) OnPreRender(ctx goapp.Context) { m.Composer.(goapp.Mounter).OnMount(ctx) }
