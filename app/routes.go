// Package app is the browser half of authkit: its pages, compiled to
// WebAssembly with go-app. The server prerenders the same pages (without
// any user data) so the first paint needs no wasm.
//
// Layout: one file per page; page.go for the page bases, form.go for the
// one form lifecycle, widgets.go, confirm.go and layout.go for what pages
// are drawn with; api.go and client.go for the typed client that alone
// knows the API's URLs and cookies. A feature outside the core (the notes
// example in app/notes) is a Module, which main lists in pages.go.
package app

import (
	"fmt"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The bases, embedded by this package's pages under a lower-case name
// (see page.go).
type (
	basePage     = Page
	signedInPage = SignedInPage
)

// pages maps each route to its page. Every page gets the one API client, so
// concurrent requests from any page share its refresh single-flight and
// its signed-in user.
func pages(api *Client) map[string]func() app.Composer {
	return map[string]func() app.Composer{
		"/":         func() app.Composer { return &homePage{api: api} },
		"/login":    func() app.Composer { return newLoginPage(api) },
		"/register": func() app.Composer { return newRegisterPage(api) },
		"/profile":  func() app.Composer { return newProfilePage(api) },
		"/admin":    func() app.Composer { return newAdminPage(api) },

		// The links in authkit's emails lead here.
		"/forgot-password": func() app.Composer { return newForgotPasswordPage(api) },
		"/reset-password":  func() app.Composer { return newResetPasswordPage(api) },
		"/verify-email":    func() app.Composer { return &verifyEmailPage{api: api} },
	}
}

// Module is a feature's browser half: a page for signed-in people, with
// its entry in the navigation. Its package declares the page and its
// client calls (functions over Client.Call); main lists the module in
// pages.go, and Routes plugs it in. The core never names a module.
type Module struct {
	Path     string                     // the page's route, e.g. "/notes"; "" for a module without a page
	NavLabel string                     // its link in the signed-in navigation; "" for none
	Page     func(*Client) app.Composer // builds the page, calling the API with the client

	// ProfileAside, when set, is a line the profile's account card shows
	// about the feature, such as a link to its page.
	ProfileAside func() app.UI
	// ProfileSection, when set, builds a section of the profile page of
	// its own (a card with its state and forms, such as two-factor
	// authentication), once per profile page. Sections show below the
	// password form, in the order of the modules.
	ProfileSection func(*Client) app.Composer
	// LoginOption, when set, builds another way to sign in, shown under
	// the login form (a "Sign in with a passkey" button). It signs the
	// person in itself and then goes where the login form would (Next).
	LoginOption func(*Client) app.Composer
}

var (
	routesOnce sync.Once
	// modules are the modules Routes plugged in, in the order given: the
	// order of their nav links and of their lines on the profile.
	modules []Module
)

// Routes registers every page with go-app, the modules' pages too, and a
// catch-all that shows the not-found page. Both halves of the program call
// it with the same modules: main_wasm.go before go-app starts, and the
// server before it builds its page handler (go-app answers 404 for any path
// not registered in the server process). Calling it again does nothing. A
// module on a path already taken is a programming error, and panics.
func Routes(plugged ...Module) {
	routesOnce.Do(func() {
		api := NewBrowserClient()
		core := pages(api)
		for path, newPage := range core {
			app.Route(path, newPage)
		}
		for _, m := range plugged {
			if m.Path != "" { // "": a module with no page of its own (a profile section)
				if _, taken := core[m.Path]; taken || isModulePage(m.Path) {
					panic(fmt.Sprintf("app: module path %q is already taken", m.Path))
				}
				app.Route(m.Path, func() app.Composer { return m.Page(api) })
			}
			modules = append(modules, m)
		}
		app.RouteWithRegexp("^/", func() app.Composer { return &notFoundPage{} })
	})
}

// IsPage reports whether path is one of the app's pages, a module's
// included, rather than one the not-found page answers. The server uses
// it to set the status code.
func IsPage(path string) bool {
	_, core := pages(nil)[path]
	return core || isModulePage(path)
}

func isModulePage(path string) bool {
	for _, m := range modules {
		if m.Path != "" && m.Path == path {
			return true
		}
	}
	return false
}
