package auth

import (
	"context"
	"testing"

	"github.com/authkit/authkit/server/store"
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

// linkRequests are the requests that mail Ann a link, made in the
// background as it answers (a reset) or in the request (a confirmation
// asked for again), each with the purpose of its link.
var linkRequests = []struct {
	name, purpose string
	ask           func(svc *Service, ann Principal) error
}{
	{"a password reset", store.PurposePasswordReset, func(svc *Service, _ Principal) error {
		return svc.Recovery.mailPasswordReset(context.Background(), raceTestEmail)
	}},
	{"a confirmation mailed again", store.PurposeVerifyEmail, func(svc *Service, ann Principal) error {
		return svc.Recovery.ResendVerification(context.Background(), ann)
	}},
}

// liveLinks counts the user's unused links of purpose.
func liveLinks(t *testing.T, st *store.Store, userID, purpose string) int64 {
	t.Helper()
	live, err := st.IDB().NewSelect().Model((*store.OneTimeToken)(nil)).
		Where("user_id = ?", userID).Where("purpose = ?", purpose).Where("used_at IS NULL").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return live
}

// TestRace_ALinkMadeAsTheAddressChangesIsNotMadeForTheOldOne: an email
// change voids the links mailed to the old address. A reset link (or a
// confirmation link) whose account was read at its old address just
// before the change committed must not be made for that address after
// it: whoever still reads the old mailbox could take the account back.
func TestRace_ALinkMadeAsTheAddressChangesIsNotMadeForTheOldOne(t *testing.T) {
	ctx := context.Background()
	for _, c := range linkRequests {
		t.Run(c.name, func(t *testing.T) {
			st, svc, ann := newRaceKit(t)
			secret, hash := newOneTimeSecret()
			now := svc.Sessions.clock.now()
			err := st.CreateOneTimeToken(ctx, &store.OneTimeToken{ID: newID(), UserID: ann.UserID, Purpose: store.PurposeEmailChange,
				TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(shared.EmailChangeTTL), Payload: "ann@new.example"})
			if err != nil {
				t.Fatal(err)
			}
			onChecked(t, func(step string) {
				if step == "mail-link" {
					if _, err := svc.Recovery.ConfirmEmailChange(ctx, shared.ConfirmEmailChangeRequest{Token: secret}, nil); err != nil {
						t.Errorf("the change: %v", err)
					}
				}
			})
			if err := c.ask(svc, ann); err != nil {
				t.Errorf("asking for the link: %v", err)
			}
			if live := liveLinks(t, st, ann.UserID, c.purpose); live != 0 {
				t.Errorf("%d link(s) made for the old address work after the change", live)
			}
		})
	}
}

// TestRace_ALinkMadeAsTheAccountIsDeactivatedIsNotMade: a deactivation
// voids the links mailed before it, so a reactivation does not revive
// them. A reset link (or a confirmation link) whose account was read as
// active just before the deactivation committed must not be made after
// it either: it would work once the account is reactivated.
func TestRace_ALinkMadeAsTheAccountIsDeactivatedIsNotMade(t *testing.T) {
	ctx := context.Background()
	for _, c := range linkRequests {
		t.Run(c.name, func(t *testing.T) {
			st, svc, ann := newRaceKit(t)
			root := staffSession(t, svc, "root@example.com")
			setActive := func(active bool) {
				t.Helper()
				if _, err := svc.Admin.UpdateUser(ctx, root, ann.UserID, shared.AdminUpdateUserRequest{IsActive: &active}); err != nil {
					t.Fatal(err)
				}
			}
			// The registration's confirmation link is voided here, before
			// the race: only a link made by c.ask is counted below.
			setActive(false)
			setActive(true)
			onChecked(t, func(step string) {
				if step == "mail-link" {
					setActive(false)
				}
			})
			if err := c.ask(svc, ann); err != nil {
				t.Errorf("asking for the link: %v", err)
			}
			onChecked(t, func(string) {})
			setActive(true)
			if live := liveLinks(t, st, ann.UserID, c.purpose); live != 0 {
				t.Errorf("%d link(s) made as the account was deactivated work after its reactivation", live)
			}
		})
	}
}
