package app

import (
	"time"

	"github.com/authkit/authkit/shared"
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
// ("Firefox on Windows"); the full header is kept in the element's title.
func describeUserAgent(ua string) string { return shared.DescribeUserAgent(ua) }
