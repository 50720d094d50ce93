package auth

import "testing"

// onChecked runs f at testHookChecked until the test ends.
func onChecked(t *testing.T, f func(step string)) {
	testHookCheckedFunc = f
	t.Cleanup(func() { testHookCheckedFunc = nil })
}

// OnChecked is onChecked for the tests of package auth_test, which run
// the real HTTP API (apitest) and so cannot live in package auth.
var OnChecked = onChecked
