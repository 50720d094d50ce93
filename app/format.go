package app

import (
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// How dates, times and devices read on the pages. In the browser, Go's
// local time zone is the browser's.

func formatDate(t time.Time) string { return t.Local().Format("2 January 2006") }

func formatShortDate(t time.Time) string { return t.Local().Format("2 Jan 2006") }

// FormatDateTime is a date and time of day, for when something happened.
func FormatDateTime(t time.Time) string { return t.Local().Format("2 Jan 2006, 15:04") }

// TimeTag shows t as text written by format, with the exact instant in
// datetime for machines.
func TimeTag(t time.Time, format func(time.Time) string) app.UI {
	return app.Time().DateTime("%s", t.UTC().Format(time.RFC3339)).Text(format(t))
}

// describeUserAgent names the browser and system of a User-Agent header
// ("Firefox on Windows"), enough to recognise one's own devices. The full
// header is kept in the element's title.
func describeUserAgent(ua string) string {
	if ua == "" {
		return "Unknown device"
	}
	browser := firstMatch(ua, []struct{ token, name string }{
		{"Edg/", "Edge"},
		{"OPR/", "Opera"},
		{"Firefox/", "Firefox"},
		{"HeadlessChrome/", "Headless Chrome"},
		{"Chromium/", "Chromium"},
		{"Chrome/", "Chrome"},
		{"CriOS/", "Chrome"},
		{"Safari/", "Safari"},
		{"curl/", "curl"},
		{"Go-http-client/", "Go program"},
	})
	system := firstMatch(ua, []struct{ token, name string }{
		{"Windows", "Windows"},
		{"iPhone", "iOS"},
		{"iPad", "iPadOS"},
		{"Android", "Android"},
		{"CrOS", "ChromeOS"},
		{"Mac OS X", "macOS"},
		{"Linux", "Linux"},
	})
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "A browser on " + system
	default:
		return "Unknown device"
	}
}

func firstMatch(s string, table []struct{ token, name string }) string {
	for _, row := range table {
		if strings.Contains(s, row.token) {
			return row.name
		}
	}
	return ""
}
