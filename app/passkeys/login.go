package passkeys

import (
	"context"
	"encoding/json"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// basePage is app.Page, and card app.Card, under a lower-case name, so
// go-app never resets them (see app/page.go).
type (
	basePage = app.Page
	card     = app.Card
)

// loginButton is the login page's "Sign in with a passkey" (on the
// register page it shows nothing: a passkey is added once signed in). When the
// browser can, it also asks for a passkey in the background with
// conditional mediation, so the email field's autofill offers this
// site's passkeys; pressing the button stops that request first (a page
// may run one WebAuthn request at a time).
type loginButton struct {
	basePage
	api   client
	form  app.Form // the button's notice and busy state
	abort goapp.Value
	off   bool // the server has passkeys off, or this is not the login page: no button
	// shown: the server gave sign-in options, so passkeys are on. The
	// button waits for that rather than appearing and then vanishing,
	// which would move the form under a pointer on its way to it.
	shown bool
}

func newLoginButton(api *app.Client, page string) *loginButton {
	return &loginButton{api: client{api}, off: page != "/login"}
}

func (b *loginButton) OnMount(ctx goapp.Context) {
	b.basePage.OnMount(ctx)
	if !b.off {
		b.offerInAutofill(ctx)
	}
}

func (b *loginButton) OnDismount() { b.stopAutofill() }

func (b *loginButton) Render() goapp.UI {
	if b.off || !b.shown {
		return goapp.Div().ID("passkey-login")
	}
	return goapp.Div().ID("passkey-login").Body(
		b.form.Notice.Render("passkey-login-notice"),
		app.ActionButton("button", "button", "Sign in with a passkey", "Waiting for your passkey…", b.form.Busy, b.onClick).
			ID("passkey-login-button"),
		// Between the other ways in and the form; with sign-in providers
		// too, the stylesheet shows only the last module's "or".
		goapp.P().Class("divider").Aria("hidden", "true").Text("or"),
	)
}

func (b *loginButton) onClick(ctx goapp.Context, e goapp.Event) {
	b.stopAutofill()
	b.Submit(ctx, e, app.Submission[shared.User]{
		Form: &b.form,
		Send: func(ctx context.Context) (shared.User, error) { return b.signIn(ctx) },
		Done: func(ctx goapp.Context, _ shared.User) { app.Redirect(app.LoginDestination(ctx)) },
	})
}

// signIn runs the sign-in the button asks for: options, the browser's
// ceremony (modal), the server's check.
func (b *loginButton) signIn(ctx context.Context) (shared.User, error) {
	options, err := b.api.beginLogin(ctx)
	if err != nil {
		return shared.User{}, err
	}
	cred, err := getCredential(options, "", nil)
	if err != nil {
		return shared.User{}, err
	}
	return b.api.finishLogin(ctx, cred)
}

// offerInAutofill asks the server for sign-in options: an answer shows
// the button (a 403 means this server has passkeys off), and the options
// then start a conditional request, which settles only when the person
// picks a passkey from the email field's autofill (or it is aborted).
func (b *loginButton) offerInAutofill(ctx goapp.Context) {
	if goapp.IsServer || !supported() {
		return
	}
	b.Background(ctx, func() func(goapp.Context) {
		options, err := b.api.beginLogin(ctx)
		return func(ctx goapp.Context) {
			switch {
			case app.HasCode(err, shared.CodeForbidden):
				b.off = true // an IP --public-url: WebAuthn needs a host name
			case err != nil:
				b.shown = true // the button may still work when pressed
			default:
				b.shown = true
				b.awaitAutofill(ctx, options)
			}
		}
	})
}

// awaitAutofill runs the conditional request for options.
func (b *loginButton) awaitAutofill(ctx goapp.Context, options json.RawMessage) {
	controller := goapp.Window().Get("AbortController")
	if !controller.Truthy() {
		return
	}
	b.abort = controller.New()
	signal := b.abort.Get("signal")
	b.Background(ctx, func() func(goapp.Context) {
		if !conditionalMediation() {
			return func(goapp.Context) {}
		}
		cred, err := getCredential(options, "conditional", signal)
		if err == nil {
			_, err = b.api.finishLogin(ctx, cred)
		}
		return func(ctx goapp.Context) {
			// Failures stay quiet: nobody asked for this request, and the
			// button still works.
			if err == nil {
				app.Redirect(app.LoginDestination(ctx))
			}
		}
	})
}

func (b *loginButton) stopAutofill() {
	if b.abort != nil && b.abort.Truthy() {
		b.abort.Call("abort")
	}
	b.abort = nil
}
