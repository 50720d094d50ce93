package httpapi

import (
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Stored models never reach encoding/json: these conversions name every
// field that goes on the wire, so a new column cannot leak.

func userJSON(u *store.User) shared.User {
	return shared.User{
		ID: u.ID, Email: u.Email, Name: u.Name,
		IsActive: u.IsActive, IsStaff: u.IsStaff, IsSuperuser: u.IsSuperuser,
		DateJoined: u.DateJoined, LastLogin: u.LastLogin, EmailVerified: u.EmailVerified,
	}
}

func sessionJSON(s *store.Session, currentID string) shared.Session {
	return shared.Session{
		ID: s.ID, CreatedAt: s.CreatedAt, LastUsedAt: s.LastUsedAt,
		UserAgent: s.UserAgent, IP: s.IP, Current: s.ID == currentID,
	}
}
