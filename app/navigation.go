package app

import (
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Moving between pages: redirects that leave no history behind, the
// login form's way back to where the visitor was going, and addresses
// cleared of the secrets mailed links carry.

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

// Redirect shows the page at target in place of the current one, with no
// history entry, for a module's page (see redirect).
func Redirect(target string) { redirect(target) }

// TakeToken returns the token parameter of the page's address and
// removes it from the address bar, for a module's page that a mailed link
// leads to (see takeToken).
func TakeToken(ctx app.Context) string { return takeToken(ctx) }

// takeToken returns the token parameter of the page's address and removes
// it from the address bar (history.replaceState, no new entry), so the
// secret of a mailed link does not linger in the history, a bookmark, a
// shared screen or a Referer (OWASP Forgot Password Cheat Sheet). Pages
// keep the token they took; asked again, takeToken returns "".
func takeToken(ctx app.Context) string {
	u := ctx.Page().URL()
	if u == nil {
		return ""
	}
	q := u.Query()
	if !q.Has("token") {
		return ""
	}
	token := q.Get("token")
	q.Del("token")
	clean := *u
	clean.RawQuery = q.Encode()
	ctx.Page().ReplaceURL(&clean)
	return token
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
