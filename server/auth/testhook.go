package auth

// testHookCheckedFunc, set by tests (export_test.go), runs when a request
// has checked what it was given (a password, a session) and before the
// transaction that acts on it: where a concurrent change (a reset, a
// deactivation) lands in a race; and between reading a session or an
// account and caching it ("session-read", "user-read"), where another
// instance's change and its event can land. step names the point.
var testHookCheckedFunc func(step string)

func testHookChecked(step string) {
	if testHookCheckedFunc != nil {
		testHookCheckedFunc(step)
	}
}
