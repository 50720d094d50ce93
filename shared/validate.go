package shared

import (
	_ "embed"
	"net/mail"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Limits of the validation rules. The password bounds follow NIST SP
// 800-63B §5.1.1.2: at least 8 characters, long passphrases allowed, no
// composition rules, and a check against commonly used passwords.
const (
	MaxEmailLength    = 254 // RFC 5321 path limit
	MaxNameLength     = 100
	MinPasswordLength = 8
	MaxPasswordLength = 256
)

// NormalizeEmail returns the canonical form under which an email is stored
// and looked up: trimmed, lower-cased and in Unicode NFC, so
// "Ann@Example.com " and "ann@example.com" are one account, and so are
// "josé@example.com" typed with one code point for "é" and with "e" and a
// combining accent (RFC 6532 §3.1 asks for NFC in such addresses). See
// NormalizeName for toNFC.
func NormalizeEmail(email string) string {
	return toNFC(strings.ToLower(strings.TrimSpace(email)))
}

// NormalizeName trims the surrounding spaces of a display name and puts it
// in Unicode NFC, so a name typed on two keyboards ("é" as one code point
// or as "e" plus an accent) is stored, shown and compared one way. The
// NFC step is toNFC: golang.org/x/text on the server, the browser's own
// String.prototype.normalize in app.wasm (normalize_wasm.go).
func NormalizeName(name string) string { return toNFC(strings.TrimSpace(name)) }

// ValidateEmail checks an already normalised email and returns a sentence
// for the user, or "" when it is fine.
func ValidateEmail(email string) string {
	switch {
	case email == "":
		return "Enter your email address."
	case len(email) > MaxEmailLength:
		return "Email addresses can be at most 254 characters long."
	}
	addr, err := mail.ParseAddress(email)
	at := strings.LastIndexByte(email, '@')
	// An address literal (name@[127.0.0.1]) is valid RFC 5321 but names a
	// host rather than a domain: it could aim the mail the kit sends at
	// an internal machine, and no real mailbox needs it.
	if err != nil || addr.Address != email || at < 1 || !strings.Contains(email[at+1:], ".") ||
		strings.ContainsAny(email[at+1:], "[]") || strings.ContainsFunc(email, unicode.IsSpace) {
		return "Enter a valid email address, like name@example.com."
	}
	return ""
}

// ValidateName checks an already normalised display name.
func ValidateName(name string) string {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "Enter your name."
	case n > MaxNameLength:
		return "Names can be at most 100 characters long."
	case !utf8.ValidString(name) || strings.ContainsFunc(name, isHidden):
		return "Names cannot contain control or invisible formatting characters."
	case !strings.ContainsFunc(name, isVisible):
		return "Enter a name with at least one visible character."
	}
	return ""
}

// isHidden matches the characters a name may not hold: controls (Cc, NUL
// included), format characters (Cf: bidi overrides such as U+202E that
// make "Ann\u202Enimda" read as "Annadmin", zero-width spaces and joiners)
// and the other default-ignorable ones (Hangul fillers), which render as
// nothing and let two names look alike.
func isHidden(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point)
}

// isVisible matches a character that draws something on its own: a
// letter, digit, punctuation or symbol, not a space or a combining mark.
func isVisible(r rune) bool {
	return unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S)
}

// CommonPasswordMessage is the field message for a new password found on
// a list of common passwords: the short list here, which the app checks as
// people type, or the server's long one (server/passwordlist).
const CommonPasswordMessage = "This password is too common. Choose one that is harder to guess."

// ValidatePassword checks a new password for the account with the given
// (normalised) email. Passwords are never trimmed: every character counts.
func ValidatePassword(password, email string) string {
	switch n := utf8.RuneCountInString(password); {
	case n == 0:
		return "Enter a password."
	case n < MinPasswordLength:
		return "Use at least 8 characters."
	case n > MaxPasswordLength:
		return "Passwords can be at most 256 characters long."
	case email != "" && strings.EqualFold(password, email):
		return "Your password cannot be your email address."
	case IsCommonPassword(password):
		return CommonPasswordMessage
	}
	return ""
}

// PasswordStrength rates a password from 0 (unusable) to 4 (strong) for
// the live hint on the sign-up form. It is a rough guide for people; the
// rules that decide are in ValidatePassword.
func PasswordStrength(password, email string) int {
	if ValidatePassword(password, email) != "" {
		return 0
	}
	classes := 0
	for _, in := range []func(rune) bool{unicode.IsLower, unicode.IsUpper, unicode.IsDigit, isSymbol} {
		if strings.ContainsFunc(password, in) {
			classes++
		}
	}
	score := 1
	n := utf8.RuneCountInString(password)
	if n >= 12 {
		score++
	}
	if n >= 16 || (n >= 12 && classes >= 3) {
		score++
	}
	if classes >= 3 && n >= 10 {
		score++
	}
	return min(score, 4)
}

func isSymbol(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// Validate reports the field errors of a registration, after normalising
// its email and name in place.
func (r *RegisterRequest) Validate() error {
	r.Email, r.Name = NormalizeEmail(r.Email), NormalizeName(r.Name)
	var f FieldErrors
	if msg := ValidateName(r.Name); msg != "" {
		f.Add("name", msg)
	}
	if msg := ValidateEmail(r.Email); msg != "" {
		f.Add("email", msg)
	}
	if msg := ValidatePassword(r.Password, r.Email); msg != "" {
		f.Add("password", msg)
	}
	return f.Err()
}

// Validate reports missing login fields. It does not apply the password
// rules: an account made before a rule changed must still be able to log in.
func (r *LoginRequest) Validate() error {
	r.Email = NormalizeEmail(r.Email)
	var f FieldErrors
	if r.Email == "" {
		f.Add("email", "Enter your email address.")
	} else if len(r.Email) > MaxEmailLength {
		f.Add("email", "Email addresses can be at most 254 characters long.")
	}
	if r.Password == "" {
		f.Add("password", "Enter your password.")
	} else if len(r.Password) > 4*MaxPasswordLength {
		f.Add("password", "Passwords can be at most 256 characters long.")
	}
	return f.Err()
}

// Validate checks a profile edit.
func (r *UpdateProfileRequest) Validate() error {
	var f FieldErrors
	if r.Name == nil {
		f.Add("name", "Enter your name.")
	} else {
		*r.Name = NormalizeName(*r.Name)
		if msg := ValidateName(*r.Name); msg != "" {
			f.Add("name", msg)
		}
	}
	return f.Err()
}

// Validate checks a password change for the account with the given email.
func (r *ChangePasswordRequest) Validate(email string) error {
	var f FieldErrors
	if r.CurrentPassword == "" {
		f.Add("current_password", "Enter your current password.")
	}
	if msg := ValidatePassword(r.NewPassword, email); msg != "" {
		f.Add("new_password", msg)
	} else if r.NewPassword == r.CurrentPassword {
		f.Add("new_password", "Choose a password different from your current one.")
	}
	return f.Err()
}

// Validate checks an admin's edit of a user.
func (r *AdminUpdateUserRequest) Validate() error {
	var f FieldErrors
	if r.Name != nil {
		*r.Name = NormalizeName(*r.Name)
		if msg := ValidateName(*r.Name); msg != "" {
			f.Add("name", msg)
		}
	}
	if r.Name == nil && r.IsActive == nil && r.IsStaff == nil {
		f.Add("name", "Send at least one of name, is_active or is_staff.")
	}
	return f.Err()
}

// Validate checks that a refresh token is present.
func (r *RefreshRequest) Validate() error {
	var f FieldErrors
	if r.Refresh == "" {
		f.Add("refresh", "This field is required.")
	}
	return f.Err()
}

// Validate checks that a token is present.
func (r *VerifyRequest) Validate() error {
	var f FieldErrors
	if r.Token == "" {
		f.Add("token", "This field is required.")
	}
	return f.Err()
}

// Validate checks the email of a password reset request.
func (r *PasswordResetRequest) Validate() error {
	r.Email = NormalizeEmail(r.Email)
	var f FieldErrors
	if msg := ValidateEmail(r.Email); msg != "" {
		f.Add("email", msg)
	}
	return f.Err()
}

// Validate checks a password reset confirmation. The new password is
// checked against the account's email by the server once it knows it.
func (r *PasswordResetConfirmRequest) Validate() error {
	var f FieldErrors
	if r.Token == "" {
		f.Add("token", "This link is incomplete. Open the link from the email again.")
	}
	if msg := ValidatePassword(r.NewPassword, ""); msg != "" {
		f.Add("new_password", msg)
	}
	return f.Err()
}

// Validate checks that a token is present.
func (r *VerifyEmailRequest) Validate() error {
	var f FieldErrors
	if r.Token == "" {
		f.Add("token", "This link is incomplete. Open the link from the email again.")
	}
	return f.Err()
}

//go:embed common-passwords.txt
var commonPasswordList string

// commonPasswords is built on first use, so programs that never check a
// password (and the wasm app before its first form) do not pay for it.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 4096)
	for line := range strings.Lines(commonPasswordList) {
		if p := strings.TrimSpace(line); p != "" {
			set[p] = struct{}{}
		}
	}
	return set
})

// IsCommonPassword reports whether password (compared case-insensitively)
// is on the embedded list of commonly used passwords.
func IsCommonPassword(password string) bool {
	_, ok := commonPasswords()[strings.ToLower(password)]
	return ok
}
