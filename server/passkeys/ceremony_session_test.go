package passkeys_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/passkeys/passkeystest"
	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
)

// TestPasskeys_ARegistrationFinishesOnlyInTheSessionThatBeganIt: a
// ceremony belongs to the session that began it, not only to its user.
// Another session of the same account cannot finish it, nor can any once
// the session that began it has logged out; both hear what a spent or
// expired ceremony answers, and the ceremony's own session still can.
func TestPasskeys_ARegistrationFinishesOnlyInTheSessionThatBeganIt(t *testing.T) {
	ts := newServer(t, nil)
	laptop := ts.Browser()
	laptop.Register("ann@example.com", "Ann")
	laptop.ConfirmEmail()
	phone := ts.Browser()
	phone.Login("ann@example.com", apitest.Password).ExpectStatus(t, http.StatusOK)
	a := passkeystest.New(t, origin)

	// What a spent ceremony answers: the same credential finished twice.
	r := phone.Do("POST", "/api/me/passkeys/begin", nil)
	r.ExpectStatus(t, http.StatusOK)
	spent := sharedpasskeys.FinishRegistrationRequest{Credential: a.Create(r.Body)}
	phone.Do("POST", "/api/me/passkeys/finish", spent).ExpectStatus(t, http.StatusCreated)
	expired := phone.Do("POST", "/api/me/passkeys/finish", spent).ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)

	refusedLikeExpired := func(who *apitest.Client, req sharedpasskeys.FinishRegistrationRequest) {
		t.Helper()
		e := who.Do("POST", "/api/me/passkeys/finish", req).ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)
		if !reflect.DeepEqual(e, expired) {
			t.Fatalf("refused with %+v, want what an expired ceremony gets: %+v", e, expired)
		}
	}

	// Begun on the laptop, finished on the phone.
	r = laptop.Do("POST", "/api/me/passkeys/begin", nil)
	r.ExpectStatus(t, http.StatusOK)
	refusedLikeExpired(phone, sharedpasskeys.FinishRegistrationRequest{Credential: passkeystest.New(t, origin).Create(r.Body)})

	// Begun on the laptop, which then logs out: the phone cannot finish it.
	r = laptop.Do("POST", "/api/me/passkeys/begin", nil)
	r.ExpectStatus(t, http.StatusOK)
	leftOver := sharedpasskeys.FinishRegistrationRequest{Credential: passkeystest.New(t, origin).Create(r.Body)}
	laptop.Do("POST", "/api/auth/logout", nil).ExpectStatus(t, http.StatusNoContent)
	refusedLikeExpired(phone, leftOver)

	// The session that begins a ceremony finishes it.
	passkeystest.Register(t, phone, passkeystest.New(t, origin), "Phone")
	var list sharedpasskeys.PasskeysResponse
	phone.Do("GET", "/api/me/passkeys", nil).Decode(t, &list)
	if len(list.Passkeys) != 2 {
		t.Fatalf("%d passkeys, want the phone's 2", len(list.Passkeys))
	}
}
