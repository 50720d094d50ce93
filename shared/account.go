package shared

import "time"

// The self-service of an account: changing its email address, deleting it
// and taking a copy of its data (the account module, server/account and
// app/account), with the rules both halves apply.

// EmailChangeTTL is how long the link that confirms a new address works.
const EmailChangeTTL = 24 * time.Hour

// ChangeEmailRequest is the body of POST /api/me/email.
type ChangeEmailRequest struct {
	NewEmail        string `json:"new_email" format:"email" maxLength:"254" doc:"The address to move to; the rules of RegisterRequest.email, and not the current one."`
	CurrentPassword string `json:"current_password,omitempty" doc:"Re-authentication: the account's password. Omit it to re-authenticate with a recent session instead (a login or POST /api/auth/reauth within --reauth-window), as an account without a password must."`
}

// Validate checks an email change for the account whose address is
// current, after normalising the new address in place. The password is
// optional: without one the server asks for a recent session
// (reauth_required otherwise).
func (r *ChangeEmailRequest) Validate(current string) error {
	r.NewEmail = NormalizeEmail(r.NewEmail)
	var f FieldErrors
	if msg := ValidateEmail(r.NewEmail); msg != "" {
		f.Add("new_email", msg)
	} else if r.NewEmail == current {
		f.Add("new_email", "This is already your email address.")
	}
	return f.Err()
}

// ConfirmEmailChangeRequest is the body of
// POST /api/auth/confirm-email-change.
type ConfirmEmailChangeRequest struct {
	Token string `json:"token" minLength:"1" doc:"From the link mailed to the new address."`
}

// Validate checks that a token is present.
func (r *ConfirmEmailChangeRequest) Validate() error {
	var f FieldErrors
	if r.Token == "" {
		f.Add("token", "This link is incomplete. Open the link from the email again.")
	}
	return f.Err()
}

// DeleteAccountRequest is the body of DELETE /api/me.
type DeleteAccountRequest struct {
	CurrentPassword string `json:"current_password,omitempty" doc:"Re-authentication: the account's password. Omit it to re-authenticate with a recent session instead (a login or POST /api/auth/reauth within --reauth-window), as an account without a password must."`
}

// Validate accepts any deletion request: the password is optional (the
// server then asks for a recent session, reauth_required otherwise), and
// its check is the server's.
func (r *DeleteAccountRequest) Validate() error { return nil }

// DeleteConfirmation is what someone types to confirm deleting their own
// account in the app, so a stray click cannot do it.
const DeleteConfirmation = "delete my account"

// ExportedSession is a session as the data export lists it: every session
// still stored, ended ones included until they are swept.
type ExportedSession struct {
	Session
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at" doc:"null while the session is live."`
}

// AccountExport answers GET /api/me/export: everything the server keeps
// about the caller, as a JSON attachment.
type AccountExport struct {
	ExportedAt     time.Time         `json:"exported_at"`
	Account        User              `json:"account"`
	Sessions       []ExportedSession `json:"sessions"`
	SecurityEvents []SecurityEvent   `json:"security_events" doc:"Newest first, as far back as the server keeps them (--event-retention)."`
	Modules        map[string]any    `json:"modules" doc:"Each module's data about the account, by module name (\"notes\": the notes; \"totp\": whether the authenticator app is on and the recovery codes left; \"passkeys\": their names and dates; \"sso\": the connected accounts, and the address of an account a provider made without vouching for it)."`
}
