package shared

import (
	"bytes"
	"encoding/json"
	"strings"
)

// The second step of a login and re-authentication: the core's half of
// two-factor sign-in. The factors themselves (authenticator codes,
// passkeys) are modules with their own types (shared/totp,
// shared/passkeys).

// The core's security events of second factors (modules define their
// own: shared/totp, shared/passkeys).
var (
	EventFactorsReset    = DefineEvent("factors_reset", "Second factors and passkeys removed by staff")
	EventReauthenticated = DefineEvent("reauthenticated", "Confirmed it was them, for a sensitive action")
)

// MFAChallenge is the second step a login must take: mfa_required comes
// with it (beside the error object; see ErrorBody).
type MFAChallenge struct {
	MFAToken string   `json:"mfa_token" doc:"Single-use, valid 5 minutes and for 5 codes."`
	Methods  []string `json:"methods" doc:"The second factors the account can answer with: totp, recovery_code, passkey…"`
}

// MFALoginRequest is the body of POST /api/auth/login/mfa and
// POST /api/token/mfa: the token of the login's first step and a second
// factor, either a code (an authenticator app's, or a recovery code) or a
// passkey's assertion.
type MFALoginRequest struct {
	MFAToken   string          `json:"mfa_token" minLength:"1" maxLength:"100"`
	Code       string          `json:"code,omitempty" maxLength:"64" doc:"A 6-digit code from the authenticator app, or a recovery code."`
	Credential json.RawMessage `json:"credential,omitempty" doc:"Instead of a code: a passkey's assertion (PublicKeyCredential.toJSON()) for the options of POST /api/auth/passkey/begin."`
}

// Validate checks the request's shape: a token, and a code or a
// credential.
func (r *MFALoginRequest) Validate() error {
	var f FieldErrors
	if r.MFAToken == "" || len(r.MFAToken) > 100 {
		f.Add("mfa_token", "The sign-in has expired. Start again.")
	}
	r.Credential = NullAsAbsent(r.Credential)
	validateProof(&f, r.Code, r.Credential)
	return f.Err()
}

// NullAsAbsent returns nil for a JSON null, which clients send for a
// member they mean to leave out ({"code":"123456","credential":null}),
// and raw as it is otherwise.
func NullAsAbsent(raw json.RawMessage) json.RawMessage {
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	return raw
}

// ReauthRequest is the body of POST /api/auth/reauth: one proof of
// identity, the password, a code, or a passkey's assertion.
type ReauthRequest struct {
	Password   string          `json:"password,omitempty" maxLength:"1024"`
	Code       string          `json:"code,omitempty" maxLength:"64" doc:"A 6-digit code from the authenticator app, or a recovery code."`
	Credential json.RawMessage `json:"credential,omitempty" doc:"A passkey's assertion (PublicKeyCredential.toJSON()) for the options of POST /api/auth/passkey/begin."`
}

// Validate checks that exactly one proof is given.
func (r *ReauthRequest) Validate() error {
	var f FieldErrors
	r.Credential = NullAsAbsent(r.Credential)
	given := 0
	for _, present := range []bool{r.Password != "", strings.TrimSpace(r.Code) != "", len(r.Credential) > 0} {
		if present {
			given++
		}
	}
	switch {
	case given == 0:
		f.Add("password", "Enter your password.")
	case given > 1:
		f.Add("password", "Send one proof: your password, a code or a passkey.")
	case len(r.Password) > 1024:
		f.Add("password", "Passwords are at most 1,024 bytes.")
	case r.Password == "":
		validateProof(&f, r.Code, r.Credential)
	}
	return f.Err()
}

// validateProof checks a second factor: a code of sane length, or a
// credential.
func validateProof(f *FieldErrors, code string, credential json.RawMessage) {
	code = strings.TrimSpace(code)
	switch {
	case code == "" && len(credential) == 0:
		f.Add("code", "Enter the code.")
	case code != "" && len(credential) > 0:
		f.Add("code", "Send a code or a passkey, not both.")
	case len(code) > 64:
		f.Add("code", "That is not a valid code.")
	}
}

// NormalizeCode strips what people type around a code: spaces and
// hyphens ("123 456", "abcd-efgh"), and case.
func NormalizeCode(code string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, code))
}
