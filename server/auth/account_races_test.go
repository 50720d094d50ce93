package auth

import (
	"context"
	"testing"

	"github.com/authkit/authkit/shared"
)

// Races of the account's lifecycle (deletion, the links mailed to its
// address) with the changes that shut an intruder out, made with
// testHookChecked as in races_test.go.

// TestRace_ADeletionCheckedBeforeAResetDoesNotDeleteTheAccount: an
// intruder who knew the password deletes the account while the owner
// resets it. The deletion checked the old password before the reset
// committed; it must not then delete the account the owner has just
// taken back, from a session the reset ended.
func TestRace_ADeletionCheckedBeforeAResetDoesNotDeleteTheAccount(t *testing.T) {
	for _, how := range []string{"with the password", "from a recent session"} {
		t.Run(how, func(t *testing.T) {
			_, svc, intruder := newRaceKit(t)
			reset := resetBy(t, svc, intruder.UserID)
			onChecked(t, func(step string) {
				if step == "delete-account" {
					reset()
				}
			})
			req := shared.DeleteAccountRequest{}
			if how == "with the password" {
				req.CurrentPassword = oldPassword
			}
			err := svc.Accounts.DeleteAccount(context.Background(), intruder, req, nil)
			if !SessionEnded(err) {
				t.Errorf("the intruder's deletion, from a session the reset ended: %v, want not_authenticated", err)
			}
			if !signsIn(t, svc, ownersNew) {
				t.Error("the owner's account is gone after the reset that took it back")
			}
		})
	}
}
