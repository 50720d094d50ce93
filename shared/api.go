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
	ID            string     `json:"id"`
	Email         string     `json:"email"`
	Name          string     `json:"name"`
	IsActive      bool       `json:"is_active"`
	IsStaff       bool       `json:"is_staff"`
	IsSuperuser   bool       `json:"is_superuser"`
	DateJoined    time.Time  `json:"date_joined"`
	LastLogin     *time.Time `json:"last_login"`
	EmailVerified bool       `json:"email_verified"`
}

// UserResponse answers register, login, refresh, GET/PATCH /api/me and
// the admin's PATCH.
type UserResponse struct {
	User User `json:"user"`
}

// RegisterRequest is the body of POST /api/auth/register.
type RegisterRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

// LoginRequest is the body of POST /api/auth/login and POST /api/token.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// TokenPair answers POST /api/token and POST /api/token/refresh, in the
// shape of DRF SimpleJWT.
type TokenPair struct {
	Access  string `json:"access"`
	Refresh string `json:"refresh"`
}

// RefreshRequest is the body of POST /api/token/refresh.
type RefreshRequest struct {
	Refresh string `json:"refresh"`
}

// VerifyRequest is the body of POST /api/token/verify.
type VerifyRequest struct {
	Token string `json:"token"`
}

// UpdateProfileRequest is the body of PATCH /api/me.
type UpdateProfileRequest struct {
	Name *string `json:"name"`
}

// ChangePasswordRequest is the body of POST /api/me/password.
type ChangePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// Session is one logged-in device, as listed by GET /api/me/sessions.
type Session struct {
	ID         string    `json:"id"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	Current    bool      `json:"current"`
}

// SessionsResponse answers GET /api/me/sessions, most recently used first.
type SessionsResponse struct {
	Sessions []Session `json:"sessions"`
}

// UsersResponse answers GET /api/admin/users.
type UsersResponse struct {
	Users []User `json:"users"`
	Total int    `json:"total"`
}

// Admin list paging bounds.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// AdminUpdateUserRequest is the body of PATCH /api/admin/users/{id}.
// Absent fields are left as they are.
type AdminUpdateUserRequest struct {
	Name     *string `json:"name"`
	IsActive *bool   `json:"is_active"`
	IsStaff  *bool   `json:"is_staff"`
}

// PasswordResetRequest is the body of POST /api/auth/password-reset.
type PasswordResetRequest struct {
	Email string `json:"email"`
}

// PasswordResetConfirmRequest is the body of
// POST /api/auth/password-reset/confirm.
type PasswordResetConfirmRequest struct {
	Token       string `json:"token"`
	NewPassword string `json:"new_password"`
}

// VerifyEmailRequest is the body of POST /api/auth/verify-email.
type VerifyEmailRequest struct {
	Token string `json:"token"`
}

// Accepted answers requests whose work happens later (sending an email),
// always with the same body, so it reveals nothing about accounts.
type Accepted struct {
	Message string `json:"message"`
}

// Health answers GET /healthz.
type Health struct {
	Status string `json:"status"`
}
