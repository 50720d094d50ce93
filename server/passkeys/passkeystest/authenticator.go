// Package passkeystest is a passkey authenticator in Go, for API tests
// of the passkeys module and of the modules beside it (deleting an
// account with passkeys), which have no browser. Only tests import it.
package passkeystest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"

	"github.com/authkit/authkit/server/httpapi/apitest"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
)

// Authenticator is a software passkey authenticator: it keeps one
// discoverable ES256 credential, verifies its user, attests with "none",
// and signs assertions with a counter the test controls (Counter, to play
// a cloned authenticator).
type Authenticator struct {
	Counter uint32
	// PublicKey, when set, is the COSE key Create reports instead of the
	// authenticator's own (to play a faulty or hostile authenticator).
	PublicKey []byte

	t      testing.TB
	origin string
	key    *ecdsa.PrivateKey
	id     []byte
	user   []byte // the user handle it was registered for
}

// New returns an authenticator for the web origin (the server's
// --public-url).
func New(t testing.TB, origin string) *Authenticator {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &Authenticator{t: t, origin: origin, key: key, id: id}
}

var b64 = base64.RawURLEncoding

// options is the part of the server's options the authenticator reads.
type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		RPID string `json:"rpId"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"publicKey"`
}

func (a *Authenticator) parse(raw []byte) options {
	var o options
	if err := json.Unmarshal(raw, &o); err != nil {
		a.t.Fatalf("options %s: %v", raw, err)
	}
	return o
}

func (a *Authenticator) clientData(kind, challenge string) []byte {
	data, _ := json.Marshal(map[string]any{"type": kind, "challenge": challenge, "origin": a.origin, "crossOrigin": false})
	return data
}

// authData is the authenticator data: the RP ID's hash, the flags (user
// present and verified, plus attested credential data at registration)
// and the counter.
func (a *Authenticator) authData(rpID string, attested []byte) []byte {
	hash := sha256.Sum256([]byte(rpID))
	flags := byte(0x01 | 0x04)
	if attested != nil {
		flags |= 0x40
	}
	out := append(hash[:], flags)
	out = binary.BigEndian.AppendUint32(out, a.Counter)
	return append(out, attested...)
}

// Create answers creation options with a new credential's JSON, as
// PublicKeyCredential.toJSON() writes it.
func (a *Authenticator) Create(raw []byte) json.RawMessage {
	o := a.parse(raw)
	user, err := b64.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		a.t.Fatal(err)
	}
	a.user = user
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: a.key.X.FillBytes(make([]byte, 32)), -3: a.key.Y.FillBytes(make([]byte, 32))})
	if err != nil {
		a.t.Fatal(err)
	}
	if a.PublicKey != nil {
		cose = a.PublicKey
	}
	attested := append(make([]byte, 16), byte(len(a.id)>>8), byte(len(a.id)))
	attested = append(append(attested, a.id...), cose...)
	object, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": a.authData(o.PublicKey.RP.ID, attested)})
	if err != nil {
		a.t.Fatal(err)
	}
	a.Counter++
	out, _ := json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.id), "rawId": b64.EncodeToString(a.id), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(a.clientData("webauthn.create", o.PublicKey.Challenge)),
			"attestationObject": b64.EncodeToString(object),
			"transports":        []string{"internal"},
		},
	})
	return out
}

// Get answers request options with an assertion signed at the current
// counter, which it then increases.
func (a *Authenticator) Get(raw []byte) json.RawMessage {
	o := a.parse(raw)
	auth := a.authData(o.PublicKey.RPID, nil)
	client := a.clientData("webauthn.get", o.PublicKey.Challenge)
	clientHash := sha256.Sum256(client)
	digest := sha256.Sum256(append(append([]byte{}, auth...), clientHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		a.t.Fatal(err)
	}
	a.Counter++
	out, _ := json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.id), "rawId": b64.EncodeToString(a.id), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(client),
			"authenticatorData": b64.EncodeToString(auth),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(a.user),
		},
	})
	return out
}

// Register adds a passkey named name with a for the signed-in client b
// (whose session must be recent) and returns it.
func Register(t testing.TB, b *apitest.Client, a *Authenticator, name string) sharedpasskeys.Passkey {
	t.Helper()
	r := b.Do("POST", "/api/me/passkeys/begin", nil)
	r.ExpectStatus(t, http.StatusOK)
	var resp sharedpasskeys.PasskeyResponse
	r = b.Do("POST", "/api/me/passkeys/finish", sharedpasskeys.FinishRegistrationRequest{Name: name, Credential: a.Create(r.Body)})
	r.ExpectStatus(t, http.StatusCreated)
	r.Decode(t, &resp)
	return resp.Passkey
}
