package app

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// FailedSessionsCard is the profile's sessions card once they failed to
// load with err, for the tests of package app_test, which see the
// modules' cards beside it.
func FailedSessionsCard(err error) app.UI {
	p := newProfilePage(nil)
	p.sessionsErr = err
	return p.renderSessions()
}
