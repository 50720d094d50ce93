package passkeys_test

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"

	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/passkeys/passkeystest"
	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
)

// TestPasskeys_APublicKeyThatCannotCheckASignatureIsNotAdded: an
// authenticator (faulty, or a script's) reports a credential public key
// that could never check a signature. With "none" attestation nothing is
// signed with that key at registration, so unless the server reads the
// key it stores a passkey that never signs in, yet counts as the
// account's way in (last_login_method) and is mailed to its owner as
// added. Each is refused as unreadable; an RSA key of 2048 bits (Windows
// Hello's) is still added.
func TestPasskeys_APublicKeyThatCannotCheckASignatureIsNotAdded(t *testing.T) {
	ts := newServer(t, nil)
	ann := ts.Browser()
	ann.Register("ann@example.com", "Ann")
	ann.ConfirmEmail()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	weakRSA, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	add := func(t *testing.T, key map[int]any) apitest.Response {
		cose, err := webauthncbor.Marshal(key)
		if err != nil {
			t.Fatal(err)
		}
		a := passkeystest.New(t, origin)
		a.PublicKey = cose
		r := ann.Do("POST", "/api/me/passkeys/begin", nil)
		r.ExpectStatus(t, http.StatusOK)
		return ann.Do("POST", "/api/me/passkeys/finish", sharedpasskeys.FinishRegistrationRequest{Credential: a.Create(r.Body)})
	}

	for name, key := range map[string]map[int]any{
		"an unknown curve":   {1: 2, 3: -7, -1: 99, -2: make([]byte, 32), -3: make([]byte, 32)},
		"a point off P-256":  {1: 2, 3: -7, -1: 1, -2: make([]byte, 32), -3: append(make([]byte, 31), 1)},
		"a one-byte Ed25519": {1: 1, 3: -8, -1: 6, -2: []byte{1}},
		"a one-byte RSA":     {1: 3, 3: -257, -1: []byte{1}, -2: []byte{1, 0, 1}},
		"a 1024-bit RSA":     {1: 3, 3: -257, -1: weakRSA.N.Bytes(), -2: []byte{1, 0, 1}},
	} {
		t.Run(name, func(t *testing.T) {
			e := add(t, key).ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)
			if e.Fields["credential"] == "" {
				t.Errorf("no fields.credential: %+v", e)
			}
		})
	}
	var list sharedpasskeys.PasskeysResponse
	ann.Do("GET", "/api/me/passkeys", nil).Decode(t, &list)
	if len(list.Passkeys) != 0 {
		t.Fatalf("passkeys = %+v, want none", list.Passkeys)
	}

	add(t, map[int]any{1: 3, 3: -257, -1: rsaKey.N.Bytes(), -2: []byte{1, 0, 1}}).ExpectStatus(t, http.StatusCreated)
}
