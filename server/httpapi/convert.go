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
		TOTPEnabled: slices.Contains(factors, "totp"), Factors: factors,
	}
}

func sessionJSON(s *store.Session, currentID string) shared.Session {
	return shared.Session{
		ID: s.ID, CreatedAt: s.CreatedAt, LastUsedAt: s.LastUsedAt,
		UserAgent: s.UserAgent, IP: s.IP, Current: s.ID == currentID, AuthMethod: s.AuthMethod,
	}
}

// UserJSON is an account as the API shows it, for modules that answer
// with the user (as a login does).
func UserJSON(u *store.User) shared.User { return userJSON(u) }
