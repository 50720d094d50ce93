package shared

import "time"

// MaxBodyBytes is the largest request body the API reads; larger bodies
// are refused with body_too_large.
const MaxBodyBytes = 1 << 20

// Header and cookie names of the browser flow. The __Host- and __Secure-
// prefixes make browsers refuse the cookies unless they are Secure (and,
// for __Host-, bound to the exact host with Path=/), so a sibling subdomain
// or a plain-http page cannot plant or overwrite them (RFC 6265bis §4.1.3).
// Servers started with --insecure-cookies drop the prefixes.
const (
	CSRFHeader         = "X-CSRF-Token"
	AccessCookie       = "access_token"
	RefreshCookie      = "refresh_token"
	CSRFCookie         = "csrf_token"
	HostCookiePrefix   = "__Host-"
	SecureCookiePrefix = "__Secure-"
)

// User is the public view of an account. It never carries password
// material.
type User struct {
	ID            string     `json:"id" doc:"UUID (v7, time-ordered)."`
	Email         string     `json:"email" format:"email" maxLength:"254" doc:"Trimmed and lower case."`
	Name          string     `json:"name" minLength:"1" maxLength:"100"`
	IsActive      bool       `json:"is_active" doc:"Inactive accounts cannot log in."`
	IsStaff       bool       `json:"is_staff" doc:"May use the admin endpoints."`
	IsSuperuser   bool       `json:"is_superuser" doc:"May also change staff status and other superusers."`
	DateJoined    time.Time  `json:"date_joined"`
	LastLogin     *time.Time `json:"last_login" doc:"null until the first login."`
	EmailVerified bool       `json:"email_verified" doc:"The user opened the confirmation link, or a sign-in provider vouched for the address."`
	HasPassword   bool       `json:"has_password" doc:"false for an account made by signing in with a provider, until a password is set through the password reset mail."`
	TOTPEnabled   bool       `json:"totp_enabled" doc:"Logins ask for a code from an authenticator app after the password."`
	HasPasskeys   bool       `json:"has_passkeys" doc:"The account has passkeys, which sign it in without a password."`
}

// UserResponse answers register, login, refresh, GET/PATCH /api/me and
// the admin's PATCH.
type UserResponse struct {
	User User `json:"user"`
}

// RegisterRequest is the body of POST /api/auth/register.
type RegisterRequest struct {
	Email    string `json:"email" format:"email" maxLength:"254" doc:"Stored trimmed and lower case, so it is case-insensitive; syntactically valid, with a domain name (no address literal)."`
	Password string `json:"password" minLength:"8" maxLength:"256" doc:"Not the email, and not a commonly used password; never trimmed."`
	Name     string `json:"name" minLength:"1" maxLength:"100" doc:"Counted after trimming; no control or invisible formatting characters, and at least one visible one."`
}

// LoginRequest is the body of POST /api/auth/login and POST /api/token.
type LoginRequest struct {
	Email    string `json:"email" minLength:"1" maxLength:"254"`
	Password string `json:"password" minLength:"1" maxLength:"1024" doc:"At most 1,024 bytes."`
}

// TokenPair answers POST /api/token and POST /api/token/refresh, in the
// shape of DRF SimpleJWT.
type TokenPair struct {
	Access  string `json:"access" doc:"The access token, an EdDSA-signed JWT (typ at+jwt); send it in the Authorization header as Bearer followed by the token."`
	Refresh string `json:"refresh" doc:"An opaque refresh token; it can be spent once."`
}

// RefreshRequest is the body of POST /api/token/refresh.
type RefreshRequest struct {
	Refresh string `json:"refresh" minLength:"1"`
}

// VerifyRequest is the body of POST /api/token/verify.
type VerifyRequest struct {
	Token string `json:"token" minLength:"1" doc:"An access token."`
}

// UpdateProfileRequest is the body of PATCH /api/me.
type UpdateProfileRequest struct {
	Name *string `json:"name" required:"true" nullable:"false" minLength:"1" maxLength:"100" doc:"Counted after trimming; the rules of RegisterRequest.name."`
}

// ChangePasswordRequest is the body of POST /api/me/password.
type ChangePasswordRequest struct {
	CurrentPassword string `json:"current_password" minLength:"1"`
	NewPassword     string `json:"new_password" minLength:"8" maxLength:"256" doc:"The password rules of RegisterRequest.password, against the account's email; different from the current one."`
}

// Session is one logged-in device, as listed by GET /api/me/sessions.
type Session struct {
	ID         string    `json:"id"`
	CreatedAt  time.Time `json:"created_at" doc:"When the user logged in on this device."`
	LastUsedAt time.Time `json:"last_used_at" doc:"The last token refresh."`
	UserAgent  string    `json:"user_agent" maxLength:"512"`
	IP         string    `json:"ip" maxLength:"64"`
	Current    bool      `json:"current" doc:"This is the caller's own session."`
	AuthMethod string    `json:"auth_method" doc:"How the session signed in: password, password+totp, password+recovery_code, passkey, password+passkey, external (a fork's own login)…"`
}

// SessionsResponse answers GET /api/me/sessions, most recently used first.
type SessionsResponse struct {
	Sessions []Session `json:"sessions"`
}

// UsersResponse answers GET /api/admin/users.
type UsersResponse struct {
	Users []User `json:"users"`
	Total int    `json:"total" minimum:"0" doc:"How many accounts match, across all pages."`
}

// Admin list paging bounds.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// AdminUpdateUserRequest is the body of PATCH /api/admin/users/{id}.
// Absent fields are left as they are.
type AdminUpdateUserRequest struct {
	Name     *string `json:"name" minLength:"1" maxLength:"100" doc:"Counted after trimming."`
	IsActive *bool   `json:"is_active" doc:"false revokes every session of the account."`
	IsStaff  *bool   `json:"is_staff" doc:"Superusers only."`
}

// PasswordResetRequest is the body of POST /api/auth/password-reset.
type PasswordResetRequest struct {
	Email string `json:"email" format:"email" maxLength:"254"`
}

// PasswordResetConfirmRequest is the body of
// POST /api/auth/password-reset/confirm.
type PasswordResetConfirmRequest struct {
	Token       string `json:"token" minLength:"1" doc:"From the mailed link."`
	NewPassword string `json:"new_password" minLength:"8" maxLength:"256" doc:"The password rules of RegisterRequest.password, against the account's email."`
}

// VerifyEmailRequest is the body of POST /api/auth/verify-email.
type VerifyEmailRequest struct {
	Token string `json:"token" minLength:"1" doc:"From the mailed link."`
}

// Accepted answers requests whose work happens later (sending an email),
// always with the same body, so it reveals nothing about accounts.
type Accepted struct {
	Message string `json:"message" doc:"A sentence for the user."`
}

// Health answers GET /healthz.
type Health struct {
	Status string `json:"status" const:"ok"`
}
