package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// The tests here make a request meet a concurrent change at the worst
// moment: testHookChecked runs the change once the request has checked
// what it was given and before its transaction. They run on SQLite and,
// under `make test`, on PostgreSQL.

const (
	oldPassword   = "correct horse battery"
	ownersNew     = "the owner's fresh secret"
	intrudersNew  = "the intruder's own secret"
	raceTestEmail = "ann@example.com"
)

// newRaceKit is a service on a fresh database with one account, Ann's,
// and a session of hers: the session an intruder who knew her password
// holds.
func newRaceKit(t *testing.T) (*store.Store, *Service, Principal) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	svc, err := New(ctx, st, Config{Argon2: Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	u, issued, err := svc.Accounts.Register(ctx, shared.RegisterRequest{Email: raceTestEmail, Password: oldPassword, Name: "Ann"}, Client{})
	if err != nil {
		t.Fatal(err)
	}
	return st, svc, Principal{UserID: u.ID, SessionID: issued.SessionID, AuthenticatedAt: svc.Sessions.clock.now()}
}

// resetBy returns a function that resets Ann's password with a mailed
// link, as the owner does: what lands in the middle of the request.
func resetBy(t *testing.T, svc *Service, userID string) func() {
	t.Helper()
	token, err := svc.Recovery.storeOneTimeSecret(context.Background(), userID, store.PurposePasswordReset, PasswordResetTTL)
	if err != nil {
		t.Fatal(err)
	}
	return func() {
		err := svc.Recovery.ConfirmPasswordReset(context.Background(), shared.PasswordResetConfirmRequest{Token: token, NewPassword: ownersNew})
		if err != nil {
			t.Errorf("the owner's reset: %v", err)
		}
	}
}

// signsIn reports whether Ann signs in with password.
func signsIn(t *testing.T, svc *Service, password string) bool {
	t.Helper()
	_, _, err := svc.Accounts.Login(context.Background(), shared.LoginRequest{Email: raceTestEmail, Password: password}, Client{IP: "192.0.2.9"})
	if err != nil && !errors.Is(err, errInvalidCredentials) {
		t.Fatal(err)
	}
	return err == nil
}

// TestRace_APasswordChangeCheckedBeforeAResetDoesNotUndoIt: an intruder
// who knew the password changes it from their session while the owner
// resets it. The change checked the old password (and hashed the new
// one, which takes a while) before the reset committed; it must not
// write its password over the owner's, from a session the reset ended.
func TestRace_APasswordChangeCheckedBeforeAResetDoesNotUndoIt(t *testing.T) {
	_, svc, intruder := newRaceKit(t)
	reset := resetBy(t, svc, intruder.UserID)
	onChecked(t, func(step string) {
		if step == "change-password" {
			reset()
		}
	})
	err := svc.Accounts.ChangePassword(context.Background(), intruder,
		shared.ChangePasswordRequest{CurrentPassword: oldPassword, NewPassword: intrudersNew})
	if !SessionEnded(err) {
		t.Errorf("the intruder's change, from a session the reset ended: %v, want not_authenticated", err)
	}
	if signsIn(t, svc, intrudersNew) {
		t.Error("the intruder's password replaced the one the owner had just reset")
	}
	if !signsIn(t, svc, ownersNew) {
		t.Error("the owner's new password does not work")
	}
}

// TestRace_AnEmailChangeRequestedBeforeAResetDoesNotOutliveIt: a reset
// voids the account's mailed links, so an intruder's email change cannot
// take the account once the owner has it back. A request whose password
// was checked before the reset committed must not leave a working link
// behind it.
func TestRace_AnEmailChangeRequestedBeforeAResetDoesNotOutliveIt(t *testing.T) {
	st, svc, intruder := newRaceKit(t)
	reset := resetBy(t, svc, intruder.UserID)
	onChecked(t, func(step string) {
		if step == "request-email-change" {
			reset()
		}
	})
	err := svc.Accounts.RequestEmailChange(context.Background(), intruder,
		shared.ChangeEmailRequest{NewEmail: "intruder@example.net", CurrentPassword: oldPassword})
	if !SessionEnded(err) {
		t.Errorf("the intruder's request, from a session the reset ended: %v, want not_authenticated", err)
	}
	live, err := st.IDB().NewSelect().Model((*store.OneTimeToken)(nil)).
		Where("user_id = ?", intruder.UserID).Where("purpose = ?", store.PurposeEmailChange).Where("used_at IS NULL").
		Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if live != 0 {
		t.Errorf("%d email change link(s) still work after the owner's reset", live)
	}
}

// TestRace_ALoginThatUpgradesAHashDoesNotUndoAReset: a login with a
// password whose hash has older parameters stores a new hash of it (the
// upgrade). Someone who knew the old password and logs in while the
// owner resets it must not write the old password back over the new one.
func TestRace_ALoginThatUpgradesAHashDoesNotUndoAReset(t *testing.T) {
	ctx := context.Background()
	st, svc, ann := newRaceKit(t)
	older, err := NewHasher(Argon2Params{MemoryKiB: 32, Time: 1, Threads: 1}).Hash(ctx, oldPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateUser(ctx, &store.User{ID: ann.UserID, PasswordHash: older}, "password_hash"); err != nil {
		t.Fatal(err)
	}
	reset := resetBy(t, svc, ann.UserID)
	onChecked(t, func(step string) {
		if step == "login" {
			reset()
		}
	})
	if signsIn(t, svc, oldPassword) {
		t.Error("a login with the old password, checked before the reset, signed in after it")
	}
	onChecked(t, func(string) {})
	if signsIn(t, svc, oldPassword) {
		t.Error("the old password works again: the login's upgraded hash replaced the reset's")
	}
	if !signsIn(t, svc, ownersNew) {
		t.Error("the owner's new password does not work")
	}
}
