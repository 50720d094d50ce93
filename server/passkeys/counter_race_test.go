package passkeys_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/authkit/authkit/server/passkeys"
	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
)

// TestRace_AZeroCountDoesNotWindTheStoredCountBack: a key registered at
// count 0 and a copy of it. The copy answers with count 0 and is checked
// against the stored 0 (neither count non-zero: no clone warning); before
// it stores its count, the original signs in at 5. In the serial order
// the copy's 0 would be a count that did not increase (refused and
// logged), so it must not sign in, and above all must not write the
// stored count back from 5 to 0: that would let every later copy at a
// count under 5 sign in unseen. The README: the new count is stored "by a
// conditional UPDATE (only if still higher)".
func TestRace_AZeroCountDoesNotWindTheStoredCountBack(t *testing.T) {
	ts := newServer(t, nil)
	_, a := annWithKey(t, ts, 0) // stored count 0

	a.Counter = 0
	copyBrowser := ts.Browser()
	copyCred := assertion(t, copyBrowser, a) // the copy, at 0
	a.Counter = 5
	origBrowser := ts.Browser()
	origCred := assertion(t, origBrowser, a) // the original, at 5

	var once sync.Once
	validated, release := make(chan struct{}), make(chan struct{})
	passkeys.SetTestHookValidated(t, func() {
		first := false
		once.Do(func() { first = true })
		if first { // the copy: checked against 0, held until the original has signed in
			close(validated)
			<-release
		}
	})
	var copyStatus int
	var wg sync.WaitGroup
	wg.Go(func() {
		copyStatus = copyBrowser.Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: copyCred}).Status
	})
	<-validated
	origBrowser.Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: origCred}).ExpectStatus(t, http.StatusOK)
	close(release)
	wg.Wait()
	if copyStatus != http.StatusUnauthorized {
		t.Errorf("the copy at count 0, after the original stored 5: %d, want 401", copyStatus)
	}

	// Whatever the copy got, the highest count seen is 5: a copy at 3 is
	// a count that did not increase.
	a.Counter = 3
	late := ts.Browser()
	r := late.Do("POST", "/api/auth/passkey/finish", sharedpasskeys.FinishLoginRequest{Credential: assertion(t, late, a)})
	if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), string(shared.CodeInvalidCredentials)) {
		t.Fatalf("a copy at count 3 after the key signed in at 5: %d %s, want 401 invalid_credentials (the stored count was wound back)", r.Status, r.Body)
	}
}
