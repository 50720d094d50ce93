package auth

import "testing"

// onChecked runs f at testHookChecked until the test ends.
func onChecked(t *testing.T, f func(step string)) {
	testHookCheckedFunc = f
	t.Cleanup(func() { testHookCheckedFunc = nil })
}
