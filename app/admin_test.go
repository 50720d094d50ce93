package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/authkit/authkit/app/internal/pagetest"
	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestAdmin_AnEventListThatFailedToLoadCanBeAskedAgain: when the first
// page of the audit log or of a user's activity fails, the list says why
// and offers to try again; Show older, the way to ask a list for more,
// shows only once it has events.
func TestAdmin_AnEventListThatFailedToLoadCanBeAskedAgain(t *testing.T) {
	p := newAdminPage(nil)
	p.User = &shared.User{ID: "boss", Name: "The Boss", IsStaff: true}
	cara := shared.User{ID: "u1", Email: "cara@example.com"}
	p.activityOf, p.activity = &cara, &eventList{query: EventQuery{UserID: cara.ID}}
	unreachable := fmt.Errorf("%w: connection refused", ErrUnreachable)
	for _, l := range []*eventList{p.activity, p.audit} {
		l.more.Busy = true
		Submission[[]shared.AuditEvent]{Form: &l.more, Failed: p.SessionEnded}.Settle(app.Context{}, nil, unreachable)
	}

	html := app.HTMLString(p.Render())
	if n := strings.Count(html, "Could not reach the server."); n != 2 {
		t.Errorf("the page says %d times that the server could not be reached, want once a list", n)
	}
	buttons := pagetest.TagsByID(html, "button")
	for _, list := range []string{"user-events-list", "audit-list"} {
		if _, ok := buttons[list+"-retry"]; !ok {
			t.Errorf("%s failed to load and offers no way to try again: %s", list, html)
		}
		if _, ok := buttons[list+"-more"]; ok {
			t.Errorf("%s has no events, yet offers older ones", list)
		}
	}
}

// TestAdmin_ADoubleClickOnNextTurnsOnePage: the second click of a double
// click on Next arrives while the first page is on its way (go-app draws
// the busy button at its next frame): one page is asked for, and the
// caption names the users the table shows.
func TestAdmin_ADoubleClickOnNextTurnsOnePage(t *testing.T) {
	var asked atomic.Int32
	answer := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		<-answer
		users := make([]shared.User, adminPageSize)
		for i := range users {
			users[i] = shared.User{ID: fmt.Sprint("u", adminPageSize+i), Email: fmt.Sprintf("user%d@example.com", adminPageSize+i)}
		}
		writeJSON(w, http.StatusOK, shared.UsersResponse{Users: users, Total: 3 * adminPageSize})
	}))
	t.Cleanup(srv.Close)
	p := newAdminPage(NewClient(srv.URL, HTTPSender(srv.Client()), func() string { return "" }))
	p.User = &shared.User{ID: "boss", IsStaff: true}
	p.users, p.total = make([]shared.User, adminPageSize), 3*adminPageSize
	engine := app.NewTestEngine()
	if err := engine.Load(&mountedAdmin{p}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()

	p.turnPage(p.self, app.Event{}, adminPageSize)
	p.turnPage(p.self, app.Event{}, adminPageSize)
	close(answer)
	engine.ConsumeAll()
	if n := asked.Load(); n != 1 {
		t.Errorf("a double click asked for %d pages, want 1", n)
	}
	html := app.HTMLString(p.Render())
	want := fmt.Sprintf("Users %d–%d of %d", adminPageSize+1, 2*adminPageSize, 3*adminPageSize)
	if got := pagetest.TextByID(html, "users-caption"); got != want {
		t.Errorf("the caption says %q over users %d–%d, want %q", got, adminPageSize+1, 2*adminPageSize, want)
	}
}

// mountedAdmin mounts the admin page in go-app's test engine, which calls
// OnPreRender where a browser calls OnMount.
type mountedAdmin struct{ *adminPage }

func (m *mountedAdmin) OnPreRender(ctx app.Context) { m.OnMount(ctx) }

// TestAdmin_TheResetConfirmationResetsTheUserItNames: with the reset
// confirmation open for one user, Reset 2FA on another row retitles it
// for them; go-app keeps the handlers of the dialog first drawn, so its
// Reset must act on the user the dialog names now, not the first one.
func TestAdmin_TheResetConfirmationResetsTheUserItNames(t *testing.T) {
	reset := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reset <- r.URL.Path
		writeJSON(w, http.StatusOK, shared.UserResponse{User: shared.User{ID: "u2"}})
	}))
	t.Cleanup(srv.Close)
	p := newAdminPage(NewClient(srv.URL, HTTPSender(srv.Client()), func() string { return "" }))
	p.User = &shared.User{ID: "boss", IsStaff: true, IsSuperuser: true}
	ann := shared.User{ID: "u1", Email: "ann@example.com", TOTPEnabled: true}
	bea := shared.User{ID: "u2", Email: "bea@example.com", TOTPEnabled: true}
	p.users, p.total = []shared.User{ann, bea}, 2
	engine := app.NewTestEngine()
	if err := engine.Load(&mountedAdmin{p}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()

	p.resetting = &ann
	first := p.resetDialog() // as first drawn, for Ann
	p.resetting = &bea       // Reset 2FA on Bea's row
	if html := app.HTMLString(p.renderConfirmReset()); !strings.Contains(html, "bea@example.com") {
		t.Fatalf("the dialog does not name Bea: %s", html)
	}
	first.OnConfirm(p.self, app.Event{}) // the kept handler
	engine.ConsumeAll()
	if got := <-reset; !strings.Contains(got, "/u2/") && !strings.HasSuffix(got, "/u2") {
		t.Errorf("the confirmation reset %s, want Bea (u2)", got)
	}
}

// TestAdmin_AConfirmedDeactivationIsNotDroppedWhileAnotherChangeRuns: the
// deactivation of Bea awaits its confirmation while Ann's staff change is
// on its way (a slow server). Confirming it must either send it, or leave
// it to confirm again with a word of why: the dialog closing with nothing
// sent and nothing said leaves staff believing the account is locked out
// when it is not.
func TestAdmin_AConfirmedDeactivationIsNotDroppedWhileAnotherChangeRuns(t *testing.T) {
	var mu sync.Mutex
	var patched []string
	answer := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			mu.Lock()
			patched = append(patched, r.URL.Path)
			first := len(patched) == 1
			mu.Unlock()
			if first {
				<-answer // Ann's change takes its time
			}
			writeJSON(w, http.StatusOK, shared.UserResponse{User: shared.User{ID: path.Base(r.URL.Path)}})
			return
		}
		writeJSON(w, http.StatusOK, shared.AuditResponse{})
	}))
	t.Cleanup(srv.Close)
	p := newAdminPage(NewClient(srv.URL, HTTPSender(srv.Client()), func() string { return "" }))
	p.User = &shared.User{ID: "boss", IsStaff: true, IsSuperuser: true}
	ann := shared.User{ID: "u1", Email: "ann@example.com", IsActive: true}
	bea := shared.User{ID: "u2", Email: "bea@example.com", IsActive: true}
	p.users, p.total = []shared.User{ann, bea}, 2
	engine := app.NewTestEngine()
	if err := engine.Load(&mountedAdmin{p}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()

	p.onToggleActive(p.self, bea)    // Deactivate on Bea's row: the confirmation opens
	p.onToggleStaff(p.self, ann)     // Make staff on Ann's row: on its way
	p.onConfirm(p.self, app.Event{}) // Deactivate, in the confirmation
	close(answer)
	engine.ConsumeAll()

	mu.Lock()
	sent := slices.Contains(patched, "/api/admin/users/u2")
	mu.Unlock()
	html := app.HTMLString(p.Render())
	stillAsked := p.confirming != nil
	told := strings.Contains(pagetest.TextByID(html, "admin-notice"), "bea") || strings.Contains(html, "bea@example.com has been deactivated")
	if !sent && !stillAsked && !told {
		t.Errorf("the confirmed deactivation of Bea was dropped: nothing sent (%v), the confirmation closed, and the page says nothing of it: %s",
			patched, pagetest.TextByID(html, "admin-notice"))
	}
}

// TestAdmin_AConfirmedResetIsNotDroppedWhileAnotherChangeRuns: as for a
// deactivation, a confirmed reset of Bea's second factors, while Ann's
// change is on its way, is neither sent nor kept; and meanwhile Bea's row,
// not Ann's, shows the spinner.
func TestAdmin_AConfirmedResetIsNotDroppedWhileAnotherChangeRuns(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	answer := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.Method+" "+r.URL.Path)
		mu.Unlock()
		switch {
		case r.Method == http.MethodPatch:
			<-answer
			writeJSON(w, http.StatusOK, shared.UserResponse{User: shared.User{ID: "u1", IsStaff: true}})
		case r.Method == http.MethodPost:
			writeJSON(w, http.StatusOK, shared.UserResponse{User: shared.User{ID: "u2"}})
		default:
			writeJSON(w, http.StatusOK, shared.AuditResponse{})
		}
	}))
	t.Cleanup(srv.Close)
	p := newAdminPage(NewClient(srv.URL, HTTPSender(srv.Client()), func() string { return "" }))
	p.User = &shared.User{ID: "boss", IsStaff: true, IsSuperuser: true}
	ann := shared.User{ID: "u1", Email: "ann@example.com", IsActive: true}
	bea := shared.User{ID: "u2", Email: "bea@example.com", IsActive: true, TOTPEnabled: true}
	p.users, p.total = []shared.User{ann, bea}, 2
	engine := app.NewTestEngine()
	if err := engine.Load(&mountedAdmin{p}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()

	p.resetting = &bea                             // Reset 2FA on Bea's row: the confirmation opens
	p.onToggleStaff(p.self, ann)                   // Make staff on Ann's row: on its way
	p.resetDialog().OnConfirm(p.self, app.Event{}) // Reset, in the confirmation
	if html := app.HTMLString(p.Render()); strings.Contains(html, `id="reset-factors-u2" aria-disabled="true"`) ||
		p.change.Busy && p.updating == bea.ID {
		t.Errorf("Bea's row shows a spinner for Ann's change (updating=%q)", p.updating)
	}
	close(answer)
	engine.ConsumeAll()

	mu.Lock()
	sent := slices.Contains(asked, "POST /api/admin/users/u2/reset-factors")
	mu.Unlock()
	if !sent && p.resetting == nil {
		t.Errorf("the confirmed reset of Bea's second factors was dropped: nothing sent (%v), the confirmation closed; notice: %q",
			asked, p.change.Notice.Text)
	}
}

// TestAdmin_DeletingTheLastUserOfAPageLeavesAWayBack: on the last page of
// the table, deleting its only user leaves that page empty. The page must
// not then say that no user matches the search, with no pager: there are
// 20 users on the page before, and Previous should lead to them.
func TestAdmin_DeletingTheLastUserOfAPageLeavesAWayBack(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(w, http.StatusOK, shared.AuditResponse{})
	}))
	t.Cleanup(srv.Close)
	p := newAdminPage(NewClient(srv.URL, HTTPSender(srv.Client()), func() string { return "" }))
	p.User = &shared.User{ID: "boss", IsStaff: true, IsSuperuser: true}
	last := shared.User{ID: "u21", Email: "last@example.com", IsActive: true}
	p.users, p.total, p.offset = []shared.User{last}, adminPageSize+1, adminPageSize
	engine := app.NewTestEngine()
	if err := engine.Load(&mountedAdmin{p}); err != nil {
		t.Fatal(err)
	}
	engine.ConsumeAll()

	p.onAskDelete(last)
	p.onConfirmDelete(p.self, app.Event{})
	engine.ConsumeAll()
	html := app.HTMLString(p.Render())
	if strings.Contains(html, "No users match this search.") || !strings.Contains(html, `id="prev-page"`) {
		t.Errorf("after deleting the only user of page 2 (%d users left): says no user matches: %v; offers Previous: %v",
			p.total, strings.Contains(html, "No users match this search."), strings.Contains(html, `id="prev-page"`))
	}
}
