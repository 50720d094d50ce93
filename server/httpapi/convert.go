package httpapi

import (
	"slices"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Stored models never reach encoding/json: these conversions name every
// field that goes on the wire, so a new column cannot leak.

func userJSON(u *store.User) shared.User {
	factors := auth.FactorsOf(u)
	if factors == nil {
		factors = []string{}
	}
	return shared.User{
		ID: u.ID, Email: u.Email, Name: u.Name,
		IsActive: u.IsActive, IsStaff: u.IsStaff, IsSuperuser: u.IsSuperuser,
		DateJoined: u.DateJoined, LastLogin: u.LastLogin, EmailVerified: u.EmailVerified,
		HasPassword: u.PasswordHash != auth.NoPassword,
		// The two factors the user object names (the modules' methods):
		// what the profile and the admin table show.
		TOTPEnabled: slices.Contains(factors, "totp"), HasPasskeys: slices.Contains(factors, auth.MethodPasskey),
	}
}

func sessionJSON(s *store.Session, currentID string) shared.Session {
	return shared.Session{
		ID: s.ID, CreatedAt: s.CreatedAt, LastUsedAt: s.LastUsedAt,
		UserAgent: s.UserAgent, IP: s.IP, Current: s.ID == currentID, AuthMethod: s.AuthMethod,
	}
}

// UserJSON is the wire form of an account, for modules that answer with
// one.
func UserJSON(u *store.User) shared.User { return userJSON(u) }

// SessionJSON is the wire form of a session; current marks the caller's.
func SessionJSON(s *store.Session, currentID string) shared.Session { return sessionJSON(s, currentID) }

// EventJSON is the wire form of a security event.
func EventJSON(e *store.SecurityEvent) shared.SecurityEvent {
	detail := e.Detail
	if detail == nil {
		detail = map[string]string{}
	}
	return shared.SecurityEvent{ID: e.ID, Type: shared.EventType(e.Type), At: e.At, IP: e.IP, UserAgent: e.UserAgent, Detail: detail}
}
