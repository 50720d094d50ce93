package shared

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// EventType names a kind of security event: something that happened to an
// account that its owner (and staff) may want to see later, such as a
// sign-in or a password change. The server records each in the same
// transaction as the change itself; the app shows them in plain words.
type EventType string

// eventPhrases holds the words the activity list shows for each type.
var eventPhrases sync.Map // EventType → string

// DefineEvent declares an event type, with the words the activity list
// shows for it ("Signed in"), and returns it. Declaring a type is one line,
// in this file for the kit's own and in a module's shared package for its
// own (both halves of the program compile it):
//
//	var EventTOTPEnabled = shared.DefineEvent("totp_enabled", "Turned on an authenticator app")
func DefineEvent(name, phrase string) EventType {
	t := EventType(name)
	if _, taken := eventPhrases.LoadOrStore(t, phrase); taken {
		panic("shared: event type " + name + " is defined twice")
	}
	return t
}

// Phrase is what the activity list says for the type; a type this build
// does not know reads as its name.
func (t EventType) Phrase() string {
	if p, ok := eventPhrases.Load(t); ok {
		return p.(string)
	}
	return strings.ReplaceAll(string(t), "_", " ")
}

// Known reports whether the type was declared with DefineEvent.
func (t EventType) Known() bool {
	_, ok := eventPhrases.Load(t)
	return ok
}

// The kit's security events. The acting staff member is recorded with the
// ones staff cause, and none carries a password or token.
var (
	EventAccountCreated       = DefineEvent("account_created", "Created the account")
	EventSignIn               = DefineEvent("sign_in", "Signed in")
	EventSignInFailed         = DefineEvent("sign_in_failed", "Failed sign-in")
	EventSignOut              = DefineEvent("sign_out", "Signed out")
	EventSignOutEverywhere    = DefineEvent("sign_out_everywhere", "Signed out everywhere")
	EventSessionRevoked       = DefineEvent("session_revoked", "Signed out a device")
	EventSessionsOverLimit    = DefineEvent("sessions_over_limit", "Signed out the least recently used device, over the limit of sessions")
	EventRefreshTokenReused   = DefineEvent("refresh_token_reused", "A session token was used twice (a sign of theft), so that session was ended")
	EventPasswordChanged      = DefineEvent("password_changed", "Changed the password")
	EventPasswordReset        = DefineEvent("password_reset", "Reset the password with an emailed link")
	EventEmailConfirmed       = DefineEvent("email_confirmed", "Confirmed the email address")
	EventEmailChangeRequested = DefineEvent("email_change_requested", "Asked to change the email address")
	EventEmailChanged         = DefineEvent("email_changed", "Changed the email address")
	EventNameChanged          = DefineEvent("name_changed", "Changed the name")
	EventAccountDeactivated   = DefineEvent("account_deactivated", "Account deactivated by staff")
	EventAccountReactivated   = DefineEvent("account_reactivated", "Account reactivated by staff")
	EventStaffGranted         = DefineEvent("staff_granted", "Made staff")
	EventStaffRevoked         = DefineEvent("staff_revoked", "Staff rights removed")
	EventAccountDeleted       = DefineEvent("account_deleted", "Account deleted")
)

// The keys of an event's detail, each optional.
const (
	DetailMethod   = "method"   // how someone signed in: "password", "registration", a module's method
	DetailCount    = "count"    // failed sign-ins from one client in a row, as a decimal number
	DetailEmail    = "email"    // the address an email change goes to
	DetailFrom     = "from"     // the address an email change came from
	DetailDevice   = "device"   // the device of a session signed out ("Firefox on Windows")
	DetailBy       = "by"       // who deleted an account: "self" or "staff"
	DetailName     = "name"     // a new display name
	DetailReason   = "reason"   // why, in a word, when the type alone does not say
	DetailStaff    = "is_staff" // whether a deleted account was staff ("true"/"false")
	DetailProvider = "provider" // the sign-in provider of an account connected or disconnected ("GitHub")
)

// SecurityEvent is one entry of an account's security activity.
type SecurityEvent struct {
	ID        string            `json:"id" doc:"UUID (v7, time-ordered); pass it as before= for the next page."`
	Type      EventType         `json:"type" doc:"What happened: sign_in, sign_in_failed, sign_out, sign_out_everywhere, session_revoked, sessions_over_limit, refresh_token_reused, password_changed, password_reset, email_confirmed, email_change_requested, email_changed, name_changed, account_created, account_deactivated, account_reactivated, staff_granted, staff_revoked, account_deleted, and the types modules add."`
	At        time.Time         `json:"at" doc:"When it happened (for failed sign-ins, the latest of the run)."`
	IP        string            `json:"ip" maxLength:"64" doc:"The client's address; empty for what staff did (their address is for the audit only)."`
	UserAgent string            `json:"user_agent" maxLength:"512" doc:"The client's User-Agent; empty as ip is."`
	Detail    map[string]string `json:"detail" doc:"More about it, by key: method, count, email, from, device, by, name, reason, is_staff, provider."`
}

// ActivityResponse answers GET /api/me/activity, newest first.
type ActivityResponse struct {
	Events []SecurityEvent `json:"events" doc:"Newest first."`
}

// AuditEvent is a security event as staff see it: whose account, and
// which staff member acted, if one did.
type AuditEvent struct {
	SecurityEvent
	UserID     string `json:"user_id" doc:"The account; empty for a deleted account's last event."`
	UserEmail  string `json:"user_email" doc:"The account's email now; empty once deleted."`
	ActorID    string `json:"actor_id" doc:"The staff member who acted; empty when the account's owner did (or the actor's account is gone)."`
	ActorEmail string `json:"actor_email"`
}

// AuditResponse answers GET /api/admin/events, newest first.
type AuditResponse struct {
	Events []AuditEvent `json:"events" doc:"Newest first."`
}

// Describe says what happened in plain words, as the activity list shows
// it: "Signed in from Chrome on Linux, 127.0.0.1".
func (e SecurityEvent) Describe() string {
	var b strings.Builder
	b.WriteString(e.Type.Phrase())
	if n, _ := strconv.Atoi(e.Detail[DetailCount]); n > 1 {
		b.WriteString(" (" + strconv.Itoa(n) + " times)")
	}
	if m := e.Detail[DetailMethod]; m != "" && m != "password" && m != "registration" {
		b.WriteString(" with " + strings.ReplaceAll(m, "_", " "))
	}
	if p := e.Detail[DetailProvider]; p != "" {
		b.WriteString(" at " + p)
	}
	if d := e.Detail[DetailDevice]; d != "" {
		b.WriteString(": " + d)
	}
	if to := e.Detail[DetailEmail]; to != "" {
		b.WriteString(" to " + to)
	}
	if was := e.Detail[DetailFrom]; was != "" {
		b.WriteString(" (was " + was + ")")
	}
	switch {
	case e.UserAgent != "" && e.IP != "":
		b.WriteString(" from " + DescribeUserAgent(e.UserAgent) + ", " + e.IP)
	case e.UserAgent != "":
		b.WriteString(" from " + DescribeUserAgent(e.UserAgent))
	case e.IP != "":
		b.WriteString(" from " + e.IP)
	}
	return b.String()
}
