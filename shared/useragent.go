package shared

import "strings"

// DescribeUserAgent names the browser and system of a User-Agent header
// ("Firefox on Windows"), enough for people to recognise their own
// devices. The server uses it too, to tell a new device from a known one
// before mailing a sign-in notice, so both halves read a header alike.
func DescribeUserAgent(ua string) string {
	if ua == "" {
		return "Unknown device"
	}
	browser, system := BrowserOf(ua), systemOf(ua)
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

// BrowserOf is the browser family of a User-Agent header ("Chrome"), or
// "" when it names none the kit knows.
func BrowserOf(ua string) string {
	return firstMatch(ua, []struct{ token, name string }{
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
}

func systemOf(ua string) string {
	return firstMatch(ua, []struct{ token, name string }{
		{"Windows", "Windows"},
		{"iPhone", "iOS"},
		{"iPad", "iPadOS"},
		{"Android", "Android"},
		{"CrOS", "ChromeOS"},
		{"Mac OS X", "macOS"},
		{"Linux", "Linux"},
	})
}

func firstMatch(s string, table []struct{ token, name string }) string {
	for _, row := range table {
		if strings.Contains(s, row.token) {
			return row.name
		}
	}
	return ""
}
