package totp

import "testing"

// OnCodeMatched runs f at testHookCodeMatched until the test ends, for
// the tests of package totp_test, which run the real HTTP API.
func OnCodeMatched(t *testing.T, f func(step string)) {
	testHookCodeMatchedFunc = f
	t.Cleanup(func() { testHookCodeMatchedFunc = nil })
}
