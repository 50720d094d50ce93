package sso

// SetTestHookResolved makes f run when a sign-in has found its account,
// before its session starts, until the test ends.
func SetTestHookResolved(t interface{ Cleanup(func()) }, f func()) {
	testHookResolved = f
	t.Cleanup(func() { testHookResolved = nil })
}
