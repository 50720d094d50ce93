package shared

import (
	"net/url"
	"strings"
)

// SafeNext returns where to go after logging in: next when it is a path on
// this site, else /profile. Anything that a browser could read as another
// origin is refused, so the login form is never an open redirect (OWASP
// Unvalidated Redirects and Forwards): "//host" and "/\host" are
// scheme-relative, browsers turn "\" into "/" and drop tabs and newlines,
// and a scheme ("javascript:", "https:") leaves the site.
func SafeNext(next string) string {
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
