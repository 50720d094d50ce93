package passkeys

import (
	"context"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// basePage is app.Page under a lower-case name, so go-app never resets it
// (see app/page.go).
type basePage = app.Page

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
	if b.off {
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
		Send: func(ctx context.Context) (shared.User, error) { return b.signIn(ctx, "", nil) },
		Done: func(ctx goapp.Context, _ shared.User) { app.Redirect(app.LoginDestination(ctx)) },
	})
}

// signIn runs one sign-in: options, the browser's ceremony, the server's
// check.
func (b *loginButton) signIn(ctx context.Context, mediation string, signal goapp.Value) (shared.User, error) {
	options, err := b.api.beginLogin(ctx)
	if err != nil {
		return shared.User{}, err
	}
	cred, err := getCredential(options, mediation, signal)
	if err != nil {
		return shared.User{}, err
	}
	return b.api.finishLogin(ctx, cred)
}

// offerInAutofill starts a conditional request, which settles only when
// the person picks a passkey from the autofill (or it is aborted).
func (b *loginButton) offerInAutofill(ctx goapp.Context) {
	if goapp.IsServer {
		return
	}
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
		_, err := b.signIn(ctx, "conditional", signal)
		return func(ctx goapp.Context) {
			switch {
			case err == nil:
				app.Redirect(app.LoginDestination(ctx))
			case app.HasCode(err, shared.CodeForbidden):
				b.off = true // passkeys are off on this server (an IP --public-url)
			}
			// Other failures stay quiet: nobody asked for this request, and
			// the button still works.
		}
	})
}

func (b *loginButton) stopAutofill() {
	if b.abort != nil && b.abort.Truthy() {
		b.abort.Call("abort")
	}
	b.abort = nil
}
