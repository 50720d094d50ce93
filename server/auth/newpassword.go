package auth

import (
	"errors"

	"github.com/authkit/authkit/server/passwordlist"
	"github.com/authkit/authkit/shared"
)

// checkNewPassword adds the server's long list of common passwords (the
// 100,000 of server/passwordlist) to the verdict of the shared rules on a
// new password, which only know a short list the browser app can carry.
// NIST SP 800-63B §5.1.1.2 asks for new passwords to be checked against
// lists of commonly used or compromised values; OWASP ASVS 2.1.7 likewise.
// err is what the request's Validate returned; a common password becomes
// one more field error under field, in the short list's words, unless the
// field already has a message. Logins are never checked against it: an
// account made before the list must still be able to sign in.
func checkNewPassword(err error, field, password string) error {
	if !passwordlist.Contains(password) {
		return err
	}
	var fields shared.FieldErrors
	if err != nil {
		var apiErr *shared.Error
		if !errors.As(err, &apiErr) || apiErr.Code != shared.CodeValidationFailed {
			return err
		}
		fields = apiErr.Fields
	}
	fields.Add(field, shared.CommonPasswordMessage)
	return fields.Err()
}
