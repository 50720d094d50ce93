// Package app is the browser half of authkit: its pages, compiled to
// WebAssembly with go-app. The server prerenders the same pages (without
// any user data) so the first paint needs no wasm.
//
// Layout: one file per page, layout.go for what all pages share, api.go
// for the typed client that alone knows the API's URLs and cookies.
package app

import (
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// pages maps each route to its page. Every page gets the one API client, so
// concurrent requests from any page share its refresh single-flight.
func pages(api *Client) map[string]func() app.Composer {
	return map[string]func() app.Composer{
		"/":         func() app.Composer { return &homePage{api: api} },
		"/login":    func() app.Composer { return &loginPage{api: api} },
		"/register": func() app.Composer { return &registerPage{api: api} },
		"/profile":  func() app.Composer { return &profilePage{api: api} },
		"/admin":    func() app.Composer { return &adminPage{api: api} },
		"/notes":    func() app.Composer { return &notesPage{api: api} },

		// The links in authkit's emails lead here.
		"/forgot-password": func() app.Composer { return &forgotPasswordPage{api: api} },
		"/reset-password":  func() app.Composer { return &resetPasswordPage{api: api} },
		"/verify-email":    func() app.Composer { return &verifyEmailPage{api: api} },
	}
}

var routesOnce sync.Once

// Routes registers every page with go-app, and a catch-all that shows the
// not-found page. Both halves of the program call it: main_wasm.go before
// go-app starts, and the server before it builds its page handler (go-app
// answers 404 for any path not registered in the server process). Calling
// it again does nothing.
func Routes() {
	routesOnce.Do(func() {
		for path, newPage := range pages(NewBrowserClient()) {
			app.Route(path, newPage)
		}
		app.RouteWithRegexp("^/", func() app.Composer { return &notFoundPage{} })
	})
}

// IsPage reports whether path is one of the app's pages, rather than one
// the not-found page answers. The server uses it to set the status code.
func IsPage(path string) bool {
	_, ok := pages(nil)[path]
	return ok
}
