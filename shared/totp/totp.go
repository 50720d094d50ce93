// Package totp is the contract of the authenticator-app module (server/totp,
// app/totp): its request and response types and the shape of its codes,
// shared by the server and the browser app. Deleting the module deletes
// this package with it.
package totp

import (
	"strings"
	"time"

	"github.com/authkit/authkit/shared"
)

// Code shapes. Authenticator codes follow RFC 6238 (SHA-1, 6 digits,
// 30-second steps); recovery codes are 16 characters of base32 (80
// bits), shown in groups of four.
const (
	CodeDigits         = 6
	RecoveryCodeCount  = 10
	RecoveryCodeLength = 16
)

// The module's security events, in the account's activity.
var (
	EventTOTPEnabled          = shared.DefineEvent("totp_enabled", "Turned on two-factor authentication (an authenticator app)")
	EventTOTPDisabled         = shared.DefineEvent("totp_disabled", "Turned off two-factor authentication")
	EventRecoveryCodesRenewed = shared.DefineEvent("recovery_codes_renewed", "Made new recovery codes")
)

// SetupResponse answers POST /api/me/totp/setup: a new secret, not active
// until POST /api/me/totp/enable confirms a code from it.
type SetupResponse struct {
	Secret     string `json:"secret" doc:"The base32 secret, for typing into an authenticator app by hand."`
	OTPAuthURI string `json:"otpauth_uri" doc:"The otpauth:// URI (Key Uri Format) that the QR code encodes."`
	QRCode     string `json:"qr_code" doc:"The otpauth URI as a QR code: an SVG image in a data: URL, for an <img>."`
}

// EnableRequest is the body of POST /api/me/totp/enable.
type EnableRequest struct {
	Code string `json:"code" minLength:"1" maxLength:"64" doc:"The 6-digit code the authenticator app shows for the new secret."`
}

// Validate checks that a code was given; whether it is right is the
// server's business.
func (r *EnableRequest) Validate() error {
	var f shared.FieldErrors
	if msg := ValidateCode(r.Code); msg != "" {
		f.Add("code", msg)
	}
	return f.Err()
}

// ValidateCode checks the shape of an authenticator code as people type
// it (spaces allowed) and returns a sentence, or "" when it is fine.
func ValidateCode(code string) string {
	code = shared.NormalizeCode(code)
	switch {
	case code == "":
		return "Enter the 6-digit code from your authenticator app."
	case len(code) != CodeDigits || strings.Trim(code, "0123456789") != "":
		return "The code is the 6 digits your authenticator app shows."
	}
	return ""
}

// RecoveryCodesResponse answers POST /api/me/totp/enable and POST
// /api/me/recovery-codes: the new recovery codes, shown this once.
type RecoveryCodesResponse struct {
	RecoveryCodes []string `json:"recovery_codes" doc:"10 single-use codes, each 80 random bits as four groups of four base32 characters; only their hashes are kept, so they are shown this once."`
}

// StatusResponse answers GET /api/me/totp.
type StatusResponse struct {
	Enabled           bool `json:"enabled" doc:"Logins ask for a code from the authenticator app."`
	RecoveryCodesLeft int  `json:"recovery_codes_left" minimum:"0" doc:"Unused recovery codes."`
}

// UserData is the module's part of the account's data export (GET
// /api/me/export, under "totp"): what the server keeps about the
// authenticator app and the recovery codes, without the secret or the
// codes' hashes, which are credentials, not information about the person.
type UserData struct {
	Enabled             bool       `json:"enabled" doc:"Logins ask for a code from the authenticator app."`
	SetUpAt             *time.Time `json:"set_up_at" doc:"When setting up an app first began (since two-factor authentication was last turned off); null if it never did."`
	EnabledAt           *time.Time `json:"enabled_at" doc:"When the current app was turned on; null while off."`
	SetupPending        bool       `json:"setup_pending" doc:"A new app's setup has begun and awaits its first code."`
	RecoveryCodesLeft   int        `json:"recovery_codes_left" minimum:"0" doc:"Unused recovery codes."`
	RecoveryCodesUsed   int        `json:"recovery_codes_used" minimum:"0" doc:"Spent recovery codes of the current set."`
	RecoveryCodesMadeAt *time.Time `json:"recovery_codes_made_at" doc:"When the current set was made; null without one."`
}

// SchemaDescription describes SetupResponse in the OpenAPI document.
func (SetupResponse) SchemaDescription() string {
	return "A new authenticator secret, pending until a code from it is confirmed."
}
