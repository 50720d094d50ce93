package sso

import (
	"context"
	"slices"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	"github.com/authkit/authkit/shared/sso"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// connectedAccounts is the profile's "Connected accounts" card: the
// provider accounts that sign in to this one, each of which can be
// disconnected after a confirmation (unless it is the last way in), and a
// button to connect each provider not connected yet. It comes back from
// a connection with ?connected=ID or ?error=CODE&provider=ID, and says
// how it went. Connecting needs a recent session, as the kit's sensitive
// actions do: when the server sent the browser back for want of one
// (recent_login_required), the card opens the re-authentication dialog
// (app.Reauth) and, once the person has confirmed it's them, sets off
// again. With no provider offered and none connected, it shows nothing.
// Its base keeps User current: whether the account has a password or a
// passkey (added in another card) decides the last way in.
type connectedAccounts struct {
	card
	api client

	loaded     bool
	loadErr    error
	providers  []sso.LoginProvider
	identities []sso.Identity

	came          outcome    // how the connection that led here went, until worded
	notice        app.Notice // news of the last connection or disconnection
	confirming    string     // id of the identity awaiting confirmation
	disconnection app.Form   // why the last disconnection failed, and one in flight
	connecting    string     // id of the provider the browser is leaving for
	reauth        app.Reauth // asks for the password when connecting needs a recent session
}

func newConnectedAccounts(api *app.Client) *connectedAccounts {
	return &connectedAccounts{card: app.NewCard(api, "/profile"), api: client{api}, reauth: app.NewReauth("connect-reauth")}
}

// OnMount reads the outcome of a connection, if the profile was reached
// from one, then loads the card.
func (c *connectedAccounts) OnMount(ctx goapp.Context) {
	c.card.OnMount(ctx)
	if u := ctx.Page().URL(); u != nil {
		q := u.Query()
		c.came = outcome{connected: q.Get(sso.Connected), failure: sso.Failure(q.Get("error")), provider: q.Get("provider")}
		if c.came != (outcome{}) { // a reload should not tell it again
			goapp.Window().Get("history").Call("replaceState", nil, "", u.Path)
		}
	}
	c.load(ctx, false)
}

// load reads the providers and the identities; retried when the card's
// Try again asks (see app.Page.Retried).
func (c *connectedAccounts) load(ctx goapp.Context, retried bool) {
	c.loadErr = nil
	c.Background(ctx, func() func(goapp.Context) {
		user, err := c.api.api.CurrentUser(ctx)
		var providers []sso.LoginProvider
		var identities []sso.Identity
		if err == nil {
			providers, err = c.api.providers(ctx)
		}
		if err == nil {
			identities, err = c.api.identities(ctx)
		}
		return func(goapp.Context) {
			c.loaded, c.loadErr = true, err
			if retried {
				c.Retried(err, "connected-retry", "connected-heading")
			}
			if err != nil {
				return
			}
			c.User, c.providers, c.identities = &user, providers, identities
			if c.came != (outcome{}) {
				c.notice = c.came.notice(c.api.api, providers, user)
				c.confirmToConnect(c.came)
				c.came = outcome{}
			}
		}
	})
}

func (c *connectedAccounts) Render() goapp.UI {
	switch {
	case c.loadErr != nil:
		return goapp.Section().ID("connected-card").Class("card").Body(
			goapp.H2().Text("Connected accounts"),
			app.LoadFailed("connected-retry", c.loadErr, func(ctx goapp.Context, e goapp.Event) { c.load(ctx, true) }),
		)
	case !c.loaded || c.User == nil || len(c.providers) == 0 && len(c.identities) == 0: // User is nil once the session is over
		return goapp.Div().ID("connected-card")
	}
	return goapp.Section().ID("connected-card").Class("card").Aria("labelledby", "connected-heading").Body(
		// Focus lands on the heading when the account that had it is gone.
		goapp.H2().ID("connected-heading").TabIndex(-1).Text("Connected accounts"),
		goapp.P().Class("muted").Text(c.intro()),
		c.notice.Render("connected-notice"),
		c.reauth.Render(&c.Page, c.api.api, c.User),
		c.renderIdentities(),
		c.renderConnect(),
	)
}

func (c *connectedAccounts) intro() string {
	if c.User.HasPassword {
		return "Sign in with any of these accounts as well as with your password."
	}
	if c.User.HasPasskeys {
		return "Sign in with any of these accounts as well as with a passkey; your account has no password."
	}
	return "You sign in with these accounts; your account has no password."
}

func (c *connectedAccounts) renderIdentities() goapp.UI {
	if len(c.identities) == 0 {
		return goapp.P().ID("no-identities").Text("No account is connected yet.")
	}
	return goapp.Ul().ID("identities").Class("sessions").Body(
		goapp.Range(c.identities).Slice(func(i int) goapp.UI { return c.renderIdentity(c.identities[i]) }),
	)
}

func (c *connectedAccounts) renderIdentity(id sso.Identity) goapp.UI {
	name := c.displayName(id)
	var action goapp.UI
	switch {
	case c.isLastWayIn():
		action = goapp.Span().Class("muted").Text("Your only way to sign in")
	case c.confirming != id.ID:
		action = app.ActionButton("button", "button small", "Disconnect", "Disconnecting…", false,
			func(ctx goapp.Context, e goapp.Event) { c.askDisconnect(id.ID) }, goapp.EventScope(id.ID)).
			ID("disconnect-"+id.ID).Aria("label", "Disconnect "+name+" "+id.Email)
	}
	return goapp.Li().Class("session identity").DataSet("identity", id.ID).Body(
		goapp.Div().Class("session-main").Body(
			goapp.Strong().Text(name),
			goapp.If(id.Email != "", func() goapp.UI { return goapp.Span().Class("identity-email").Text(id.Email) }),
			goapp.Div().Class("session-meta").Body(
				goapp.Span().Body(goapp.Text("Connected "), app.TimeTag(id.CreatedAt, app.FormatDateTime)),
			),
		),
		action,
		goapp.If(c.confirming == id.ID, func() goapp.UI { return c.renderConfirm(name) }),
	)
}

// isLastWayIn: without a password or a passkey, the last connected
// account cannot go (the server refuses with last_login_method too).
func (c *connectedAccounts) isLastWayIn() bool {
	return !c.User.HasPassword && !c.User.HasPasskeys && len(c.identities) == 1
}

// renderConnect offers each provider that is not connected yet.
func (c *connectedAccounts) renderConnect() goapp.UI {
	var links []goapp.UI
	for _, p := range c.providers {
		if slices.ContainsFunc(c.identities, func(id sso.Identity) bool { return id.Provider == p.ID }) {
			continue
		}
		links = append(links, goapp.A().ID("connect-"+p.ID).Class("button small").
			Href(startURL(p.ID, "", true)).OnClick(c.onConnect(p.ID), goapp.EventScope(p.ID)).Text("Connect "+p.Name))
	}
	if len(links) == 0 {
		return goapp.Div()
	}
	if !c.User.EmailVerified {
		return app.ConfirmEmailFirst("connect-needs-confirmed-email", "connect another account")
	}
	return goapp.Div().Class("actions connect").Body(links...)
}

// onConnect leaves for the provider.
func (c *connectedAccounts) onConnect(providerID string) goapp.EventHandler {
	return func(ctx goapp.Context, e goapp.Event) {
		e.PreventDefault()
		e.Call("stopPropagation")
		c.connect(ctx, providerID)
	}
}

// connect leaves for the provider, to connect its account. The server
// checks the session's access token on the way out, and cannot refresh
// it there: so the session is refreshed first, which gives the token its
// whole lifetime for the trip (one checked with a moment left could lapse
// on the way, and the server would send the browser to the login form).
// A session that is over goes there anyway.
func (c *connectedAccounts) connect(ctx goapp.Context, providerID string) {
	if c.connecting != "" {
		return
	}
	c.connecting = providerID
	c.Background(ctx, func() func(goapp.Context) {
		err := c.api.api.RefreshSession(ctx)
		return func(goapp.Context) {
			c.connecting = ""
			if err != nil && !app.HasCode(err, shared.CodeNotAuthenticated) {
				c.notice = app.ErrorNotice(err)
				return
			}
			goapp.Window().Get("location").Set("href", startURL(providerID, "", true))
		}
	})
}

// displayName is the name the page gives the provider of id.
func (c *connectedAccounts) displayName(id sso.Identity) string {
	if id.ProviderName != "" {
		return id.ProviderName
	}
	return providerName(c.providers, id.Provider)
}

func (c *connectedAccounts) renderConfirm(name string) goapp.UI {
	return app.ConfirmDialog{
		ID:           "confirm-disconnect",
		Text:         "Disconnect " + name + "? You will no longer be able to sign in with it.",
		Notice:       c.disconnection.Notice,
		NoticeID:     "disconnect-notice",
		ConfirmID:    "confirm-disconnect",
		ConfirmLabel: "Disconnect",
		BusyLabel:    "Disconnecting…",
		CancelID:     "cancel-disconnect",
		Busy:         c.disconnection.Busy,
		OnConfirm:    c.onConfirm,
		OnCancel:     c.onCancel,
	}.Render()
}

func (c *connectedAccounts) askDisconnect(id string) {
	if c.disconnection.Busy {
		return
	}
	c.confirming, c.disconnection.Notice, c.notice = id, app.Notice{}, app.Notice{}
	c.Focus("cancel-disconnect")
}

// onConfirm disconnects the account being confirmed, looked up when the
// button is pressed: go-app keeps a dialog's first handler while its
// code is the same, and the row it sits in may show another account by
// then (the list reloaded in another order).
func (c *connectedAccounts) onConfirm(ctx goapp.Context, e goapp.Event) {
	for _, id := range c.identities {
		if id.ID == c.confirming {
			c.disconnect(ctx, e, c.displayName(id), id)
			return
		}
	}
}

func (c *connectedAccounts) onCancel(goapp.Context, goapp.Event) {
	if c.disconnection.Busy {
		return
	}
	id := c.confirming
	c.confirming, c.disconnection.Notice = "", app.Notice{}
	c.Focus("disconnect-" + id)
}

func (c *connectedAccounts) disconnect(ctx goapp.Context, e goapp.Event, name string, id sso.Identity) {
	c.Submit(ctx, e, app.Submission[struct{}]{
		Form: &c.disconnection,
		Send: func(ctx context.Context) (struct{}, error) { return struct{}{}, c.api.disconnect(ctx, id.ID) },
		Done: func(goapp.Context, struct{}) { c.disconnected(name, id) },
		Failed: func(ctx goapp.Context, err error) bool {
			if !app.HasCode(err, shared.CodeNotFound) {
				return c.SessionEnded(ctx, err)
			}
			c.disconnected(name, id) // gone already: as asked
			return true
		},
	})
}

func (c *connectedAccounts) disconnected(name string, id sso.Identity) {
	c.identities = slices.DeleteFunc(c.identities, func(x sso.Identity) bool { return x.ID == id.ID })
	c.confirming = ""
	c.notice = app.SuccessNotice(name + " is disconnected.")
	c.Focus("connected-heading")
}
