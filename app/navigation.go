package app

import (
	"net/url"
	"strings"

	"github.com/authkit/authkit/shared"
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

// safeNext returns where to go after logging in: shared.SafeNext, the
// rule the server applies to where a social login lands.
func safeNext(next string) string { return shared.SafeNext(next) }
