package auth

// testHookCheckedFunc, set by tests (export_test.go), runs when a request
// has checked what it was given (a password, a session) and before the
// transaction that acts on it: where a concurrent change (a reset, a
// deactivation) lands in a race. step names the request.
var testHookCheckedFunc func(step string)

func testHookChecked(step string) {
	if testHookCheckedFunc != nil {
		testHookCheckedFunc(step)
	}
}
