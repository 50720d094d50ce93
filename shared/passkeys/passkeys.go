// Package passkeys is the contract of the passkeys module (server/passkeys,
// app/passkeys): its request and response types, shared by the server and
// the browser app. The WebAuthn options and credentials travel as the
// JSON the browser's PublicKeyCredential.parse…FromJSON and toJSON()
// read and write, so the browser app needs no WebAuthn library.
package passkeys

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/authkit/authkit/shared"
)

// The module's security events, in the account's activity.
var (
	EventPasskeyAdded   = shared.DefineEvent("passkey_added", "Added a passkey")
	EventPasskeyDeleted = shared.DefineEvent("passkey_deleted", "Deleted a passkey")
)

// MaxNameLength bounds a passkey's name.
const MaxNameLength = 100

// Passkey is one of the caller's passkeys.
type Passkey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name" minLength:"1" maxLength:"100"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at" doc:"null until it first signs in."`
}

// ExportedPasskey is a passkey as the account's data export lists it:
// what GET /api/me/passkeys shows, with the backup flags the
// authenticator reported. The credential itself (its id and public key)
// stays out: it identifies the authenticator, not the person, and is
// useless to them.
type ExportedPasskey struct {
	Passkey
	BackupEligible bool `json:"backup_eligible" doc:"The authenticator can sync it (to a cloud keychain, say)."`
	BackedUp       bool `json:"backed_up" doc:"It was synced when last used."`
}

// UserData is the module's part of the account's data export (GET
// /api/me/export, under "passkeys"), newest first.
type UserData struct {
	Passkeys []ExportedPasskey `json:"passkeys"`
}

// PasskeyResponse answers POST /api/me/passkeys/finish and PATCH
// /api/me/passkeys/{id}.
type PasskeyResponse struct {
	Passkey Passkey `json:"passkey"`
}

// PasskeysResponse answers GET /api/me/passkeys, newest first.
type PasskeysResponse struct {
	Passkeys []Passkey `json:"passkeys"`
}

// Options answers the begin endpoints: WebAuthn's creation or request
// options, for navigator.credentials.create or get after
// PublicKeyCredential.parseCreationOptionsFromJSON (or
// parseRequestOptionsFromJSON).
type Options struct {
	PublicKey json.RawMessage `json:"publicKey" doc:"PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON. Its challenge works once, for 5 minutes."`
	Mediation string          `json:"mediation,omitempty"`
}

// FinishRegistrationRequest is the body of POST /api/me/passkeys/finish.
type FinishRegistrationRequest struct {
	Name       string          `json:"name,omitempty" maxLength:"100" doc:"What the person calls it (\"Laptop\"); \"Passkey\" when left out."`
	Credential json.RawMessage `json:"credential" doc:"The new credential, as PublicKeyCredential.toJSON() gives it."`
}

// Validate checks the name (trimmed) and that a credential was sent.
func (r *FinishRegistrationRequest) Validate() error {
	var f shared.FieldErrors
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		r.Name = "Passkey"
	}
	if msg := validateName(r.Name); msg != "" {
		f.Add("name", msg)
	}
	if r.Credential = shared.NullAsAbsent(r.Credential); len(r.Credential) == 0 {
		f.Add("credential", "Create the passkey with your device first.")
	}
	return f.Err()
}

// RenameRequest is the body of PATCH /api/me/passkeys/{id}.
type RenameRequest struct {
	Name string `json:"name" minLength:"1" maxLength:"100" doc:"Counted after trimming."`
}

// Validate checks the new name, trimmed.
func (r *RenameRequest) Validate() error {
	var f shared.FieldErrors
	r.Name = strings.TrimSpace(r.Name)
	if msg := validateName(r.Name); msg != "" {
		f.Add("name", msg)
	}
	return f.Err()
}

func validateName(name string) string {
	switch {
	case name == "":
		return "Give the passkey a name, such as the device it is on."
	case utf8.RuneCountInString(name) > MaxNameLength:
		return "Names can be at most 100 characters long."
	case shared.ValidateName(name) != "":
		return "Names cannot contain control or invisible formatting characters."
	}
	return ""
}

// FinishLoginRequest is the body of POST /api/auth/passkey/finish.
type FinishLoginRequest struct {
	Credential json.RawMessage `json:"credential" doc:"The assertion, as PublicKeyCredential.toJSON() gives it, for the options of POST /api/auth/passkey/begin."`
}

// Validate checks that a credential was sent.
func (r *FinishLoginRequest) Validate() error {
	var f shared.FieldErrors
	if r.Credential = shared.NullAsAbsent(r.Credential); len(r.Credential) == 0 {
		f.Add("credential", "Choose a passkey first.")
	}
	return f.Err()
}

// SchemaDescription describes Options in the OpenAPI document.
func (Options) SchemaDescription() string {
	return "WebAuthn options, in the JSON form browsers parse (WebAuthn Level 3)."
}
