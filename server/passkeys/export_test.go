package passkeys

// SetTestHookValidated makes f run when an assertion has passed its
// checks, before its sign count is stored, until the test ends.
func SetTestHookValidated(t interface{ Cleanup(func()) }, f func()) {
	testHookValidated = f
	t.Cleanup(func() { testHookValidated = nil })
}
