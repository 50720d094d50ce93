package sso_test

import (
	"os"
	"strings"
	"testing"

	sharedsso "github.com/authkit/authkit/shared/sso"
)

// TestFailures_TheREADMENamesEach: the codes with which a sign-in comes
// back to the app are part of the contract; the README's account of the
// flow lists every one a callback (or start) can send.
func TestFailures_TheREADMENamesEach(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, flow, _ := strings.Cut(string(readme), "Any failure\nredirects to")
	flow, _, _ = strings.Cut(flow, "**Accounts**")
	for _, f := range []sharedsso.Failure{
		sharedsso.FailureInvalidState, sharedsso.FailureCancelled, sharedsso.FailureProvider,
		sharedsso.FailureInvalidToken, sharedsso.FailureEmailMissing, sharedsso.FailureAccountExists,
		sharedsso.FailureAccountDisabled, sharedsso.FailureIdentityTaken, sharedsso.FailureRecentLoginRequired,
		sharedsso.FailureEmailUnverified, sharedsso.FailureLoginRequired, sharedsso.FailureServer,
	} {
		if !strings.Contains(flow, "`"+string(f)+"`") {
			t.Errorf("the README's failures leave out %s", f)
		}
	}
}
