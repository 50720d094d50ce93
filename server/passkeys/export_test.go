package passkeys

// SetTestHookValidated makes f run when an assertion has passed its
// checks, before its sign count is stored, until the test ends.
func SetTestHookValidated(t interface{ Cleanup(func()) }, f func()) {
	testHookValidated = f
	t.Cleanup(func() { testHookValidated = nil })
}

// SetTestHookAuthenticated makes f run when a sign-in's assertion has
// been checked and stored, before its session starts, until the test
// ends.
func SetTestHookAuthenticated(t interface{ Cleanup(func()) }, f func()) {
	testHookAuthenticated = f
	t.Cleanup(func() { testHookAuthenticated = nil })
}
