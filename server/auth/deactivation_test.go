package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// TestDeactivation_VoidsTheLinksMailedBefore: a reset link mailed before
// the account was deactivated does not work once it is reactivated (the
// link's 30 minutes may not be over): whoever held the account's mailbox
// then, or read the link, must ask again.
func TestDeactivation_VoidsTheLinksMailedBefore(t *testing.T) {
	ctx := context.Background()
	_, svc, ann := newRaceKit(t)
	root := staffSession(t, svc, "root@example.com")
	reset, err := svc.Recovery.storeOneTimeSecret(ctx, ann.UserID, store.PurposePasswordReset, PasswordResetTTL)
	if err != nil {
		t.Fatal(err)
	}
	for _, active := range []bool{false, true} {
		if _, err := svc.Admin.UpdateUser(ctx, root, ann.UserID, shared.AdminUpdateUserRequest{IsActive: &active}); err != nil {
			t.Fatal(err)
		}
	}
	err = svc.Recovery.ConfirmPasswordReset(ctx, shared.PasswordResetConfirmRequest{Token: reset, NewPassword: intrudersNew})
	if !errors.Is(err, errInvalidMailToken) {
		t.Fatalf("the reset link mailed before the deactivation: %v, want invalid_token", err)
	}
	if !signsIn(t, svc, oldPassword) {
		t.Error("the password changed")
	}
}
