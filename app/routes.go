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
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/authkit/authkit/shared"
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
// its entry in the navigation, and parts it adds to the core pages. Its
// package declares them and its client calls (functions over
// Client.Call); main lists the module in pages.go, and Routes plugs it in.
// The core never names a module. Every field is optional.
type Module struct {
	Path     string                     // the page's route, e.g. "/notes"; "" for a module without a page
	NavLabel string                     // its link in the signed-in navigation; "" for none
	Page     func(*Client) app.Composer // builds the page, calling the API with the client

	// Pages are the module's other pages, by route, with no link in the
	// navigation: where the links it mails lead ("/confirm-email").
	Pages map[string]func(*Client) app.Composer

	// ProfileAside, when set, is a line the profile's account card shows
	// about the feature, such as a link to its page.
	ProfileAside func() app.UI

	// ProfileSections, when set, builds the module's cards on the profile
	// page (profile_sections.go), once per visit of the page.
	ProfileSections func(*Client) []ProfileSection
	// SignInWith, when set, builds more ways to sign in for the login and
	// register pages (page is "/login" or "/register"), shown above their
	// form: a login method such as a provider's button. It is made once
	// per page and kept, so it may hold state and load data on mount.
	SignInWith func(api *Client, page string) app.Composer
	// ReauthWith, when set, offers the signed-in user another proof in
	// the re-authentication dialog (reauth.go), beside the password and
	// the authenticator app's code: the module's own login method, such
	// as a passkey. It reports false when it has nothing for this user
	// (no passkey, or a browser that cannot use one), and is asked each
	// time the dialog is drawn, so it should be quick.
	ReauthWith func(api *Client, user shared.User) (ReauthOption, bool)
	// SecondStepWith, when set, offers another answer to a login's second
	// step than a code: the module's own proof (a passkey), shown when the
	// server's challenge names its Method. It reports false when this
	// browser cannot give it.
	SecondStepWith func(api *Client) (SecondStepOption, bool)
}

// SecondStepOption is a module's answer to a login's second step
// (Module.SecondStepWith): a button that gets the proof and completes the
// login with it.
type SecondStepOption struct {
	Method    string // the challenge's name for it: "passkey"
	Label     string // "Use a passkey instead"
	BusyLabel string // "Waiting for your passkey…"
	// Answer gets the proof (the browser's passkey prompt) and completes
	// the login with Client.LoginMFA and the challenge's token; it runs
	// off the UI goroutine. Its error shows on the step (an app.Problem
	// as it is).
	Answer func(ctx context.Context, mfaToken string) (shared.User, error)
}

// routes are the module's pages by path.
func (m Module) routes() map[string]func(*Client) app.Composer {
	routes := map[string]func(*Client) app.Composer{}
	if m.Path != "" {
		routes[m.Path] = m.Page
	}
	for path, page := range m.Pages {
		routes[path] = page
	}
	return routes
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
			for path, newPage := range m.routes() {
				if _, taken := core[path]; taken || isModulePage(path) {
					panic(fmt.Sprintf("app: module path %q is already taken", path))
				}
				app.Route(path, func() app.Composer { return newPage(api) })
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
		if _, ok := m.routes()[path]; ok {
			return true
		}
	}
	return false
}

// signInWith builds the modules' ways to sign in for a page.
func signInWith(api *Client, page string) []app.UI {
	var parts []app.UI
	for _, m := range modules {
		if m.SignInWith != nil {
			parts = append(parts, m.SignInWith(api, page))
		}
	}
	return parts
}

// secondStepWith collects the modules' answers to a login's second step
// that the challenge's methods name.
func secondStepWith(api *Client, methods []string) []SecondStepOption {
	var options []SecondStepOption
	for _, m := range modules {
		if m.SecondStepWith == nil {
			continue
		}
		if opt, ok := m.SecondStepWith(api); ok && slices.Contains(methods, opt.Method) {
			options = append(options, opt)
		}
	}
	return options
}

// reauthWith collects the modules' proofs for the re-authentication
// dialog, for the user.
func reauthWith(api *Client, user shared.User) []ReauthOption {
	var options []ReauthOption
	for _, m := range modules {
		if m.ReauthWith == nil {
			continue
		}
		if opt, ok := m.ReauthWith(api, user); ok {
			options = append(options, opt)
		}
	}
	return options
}
