package totp

// testHookCodeMatchedFunc, set by tests (export_test.go), runs when a code
// has matched the secret read for it and before the write that accepts
// it ("verify", "enable"): where a change of the secret made meanwhile
// (the app replaced, a second setup) lands in a race.
var testHookCodeMatchedFunc func(step string)

func testHookCodeMatched(step string) {
	if testHookCodeMatchedFunc != nil {
		testHookCodeMatchedFunc(step)
	}
}
