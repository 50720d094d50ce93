package app

import (
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Moving between pages: redirects that leave no history behind, and the
// login form's way back to where the visitor was going.

// redirect shows the page at target in place of the current one, without
// a history entry, so the back button does not return to a page that
// would only redirect again.
func redirect(target string) {
	if app.IsServer {
		return
	}
	app.Window().Get("history").Call("replaceState", nil, "", target)
	// go-app navigates on popstate, without touching history again.
	app.Window().Call("dispatchEvent", app.Window().Get("PopStateEvent").New("popstate"))
}

// loginURL is the login page, set to come back to path afterwards.
func loginURL(path string) string {
	if path == "" || path == "/" {
		return "/login"
	}
	// Slashes stay readable: /login?next=/profile.
	return "/login?next=" + strings.ReplaceAll(url.QueryEscape(path), "%2F", "/")
}

// safeNext returns where to go after logging in: next when it is a path on
// this site, else /profile. Anything that a browser could read as another
// origin is refused, so the login form is never an open redirect (OWASP
// Unvalidated Redirects and Forwards): "//host" and "/\host" are
// scheme-relative, browsers turn "\" into "/" and drop tabs and newlines,
// and a scheme ("javascript:", "https:") leaves the site.
func safeNext(next string) string {
	const fallback = "/profile"
	if len(next) < 1 || len(next) > 2048 || next[0] != '/' {
		return fallback
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return fallback
	}
	if strings.ContainsFunc(next, func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }) {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return fallback
	}
	if u.Path == "/login" || u.Path == "/register" {
		return fallback
	}
	return next
}
