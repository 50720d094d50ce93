package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// The tests here make an admin action meet a change to the account it
// acts on, landing at testHookChecked: after the action read the account
// and checked its rules, before its transaction. The action must be
// decided on the account as it is in the transaction, as if it had come
// after the change.

// plainStaffSession makes a staff member who is not a superuser, as a
// superuser would through the admin API, and starts a session of theirs.
func plainStaffSession(t *testing.T, svc *Service, root Principal, email string) Principal {
	t.Helper()
	ctx := context.Background()
	u, _, err := svc.Accounts.Register(ctx, shared.RegisterRequest{Email: email, Password: "a long staff secret", Name: "Staff"}, Client{})
	if err != nil {
		t.Fatal(err)
	}
	staff := true
	if _, err := svc.Admin.UpdateUser(ctx, root, u.ID, shared.AdminUpdateUserRequest{IsStaff: &staff}); err != nil {
		t.Fatal(err)
	}
	issued, err := svc.Sessions.Start(ctx, u, Client{})
	if err != nil {
		t.Fatal(err)
	}
	return Principal{UserID: u.ID, SessionID: issued.SessionID}
}

// countEvents counts the account's events of type typ.
func countEvents(t *testing.T, st *store.Store, userID string, typ shared.EventType) int {
	t.Helper()
	events, err := st.ListEvents(context.Background(), store.EventFilter{UserID: userID, Type: string(typ), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(events)
}

// adminActions are the staff actions on an account, each with the step
// at which testHookChecked runs in it.
var adminActions = []struct {
	name, step string
	act        func(svc *Service, actor Principal, userID string) error
}{
	{"rename", "admin-update", func(svc *Service, actor Principal, userID string) error {
		name := "Renamed"
		_, err := svc.Admin.UpdateUser(context.Background(), actor, userID, shared.AdminUpdateUserRequest{Name: &name})
		return err
	}},
	{"delete", "admin-delete", func(svc *Service, actor Principal, userID string) error {
		return svc.Admin.DeleteUser(context.Background(), actor, userID, nil)
	}},
	{"reset factors", "admin-reset-factors", func(svc *Service, actor Principal, userID string) error {
		_, err := svc.Admin.ResetFactors(context.Background(), actor, userID)
		return err
	}},
}

// TestRace_StaffCannotActOnAnAccountPromotedMidAction: staff may rename,
// deactivate and delete plain accounts, but only superusers may touch a
// superuser's account or delete a staff member's. An account promoted
// after a staff member's action read it, before the action's
// transaction, must be refused as the action would be refused now:
// forbidden, and the account untouched.
func TestRace_StaffCannotActOnAnAccountPromotedMidAction(t *testing.T) {
	ctx := context.Background()
	name, inactive := "Renamed", false
	promotions := map[string]func(t *testing.T, st *store.Store, svc *Service, root Principal, userID string){
		"to superuser": func(t *testing.T, st *store.Store, _ *Service, _ Principal, userID string) {
			if err := st.UpdateUser(ctx, &store.User{ID: userID, IsStaff: true, IsSuperuser: true}, "is_staff", "is_superuser"); err != nil {
				t.Fatal(err)
			}
		},
		"to staff": func(t *testing.T, _ *store.Store, svc *Service, root Principal, userID string) {
			staff := true
			if _, err := svc.Admin.UpdateUser(ctx, root, userID, shared.AdminUpdateUserRequest{IsStaff: &staff}); err != nil {
				t.Fatal(err)
			}
		},
	}
	cases := []struct {
		action, step, promotion string
		act                     func(svc *Service, actor Principal, userID string) error
	}{
		{"rename", "admin-update", "to superuser", func(svc *Service, actor Principal, userID string) error {
			_, err := svc.Admin.UpdateUser(ctx, actor, userID, shared.AdminUpdateUserRequest{Name: &name})
			return err
		}},
		{"deactivate", "admin-update", "to superuser", func(svc *Service, actor Principal, userID string) error {
			_, err := svc.Admin.UpdateUser(ctx, actor, userID, shared.AdminUpdateUserRequest{IsActive: &inactive})
			return err
		}},
		{"delete", "admin-delete", "to superuser", func(svc *Service, actor Principal, userID string) error {
			return svc.Admin.DeleteUser(ctx, actor, userID, nil)
		}},
		{"delete", "admin-delete", "to staff", func(svc *Service, actor Principal, userID string) error {
			return svc.Admin.DeleteUser(ctx, actor, userID, nil)
		}},
	}
	for _, c := range cases {
		t.Run(c.action+" of an account promoted "+c.promotion, func(t *testing.T) {
			st, svc, ann := newRaceKit(t)
			root := staffSession(t, svc, "root@example.com")
			staff := plainStaffSession(t, svc, root, "staff@example.com")
			landed := false
			onChecked(t, func(step string) {
				if step == c.step && !landed {
					landed = true
					promotions[c.promotion](t, st, svc, root, ann.UserID)
				}
			})
			err := c.act(svc, staff, ann.UserID)
			if !landed {
				t.Fatal("the promotion did not land")
			}
			if apiErr, ok := errors.AsType[*shared.Error](err); !ok || apiErr.Code != shared.CodeForbidden {
				t.Errorf("the staff member's action: %v, want forbidden", err)
			}
			u, err := st.UserByID(ctx, ann.UserID)
			if err != nil {
				t.Fatalf("the account acted on: %v, want it kept", err)
			}
			if u.Name != "Ann" || !u.IsActive || !u.IsStaff {
				t.Errorf("the account acted on: name %q, active %v, staff %v; want it untouched", u.Name, u.IsActive, u.IsStaff)
			}
		})
	}
}

// TestRace_AnAdminChangeAppliesToTheAccountAsItIsNow: a change is made
// to the account as the transaction finds it. Two staff members
// deactivating one account at once record one deactivation, not two; a
// rename that meets a deactivation answers with the account as it is
// (inactive), not as it was read.
func TestRace_AnAdminChangeAppliesToTheAccountAsItIsNow(t *testing.T) {
	ctx := context.Background()
	inactive, name := false, "Renamed"
	for _, c := range []struct {
		name string
		req  shared.AdminUpdateUserRequest
	}{
		{"a deactivation", shared.AdminUpdateUserRequest{IsActive: &inactive}},
		{"a rename", shared.AdminUpdateUserRequest{Name: &name}},
	} {
		t.Run(c.name+" meeting a deactivation", func(t *testing.T) {
			st, svc, ann := newRaceKit(t)
			root := staffSession(t, svc, "root@example.com")
			staff := plainStaffSession(t, svc, root, "staff@example.com")
			landed := false
			onChecked(t, func(step string) {
				if step == "admin-update" && !landed {
					landed = true
					if _, err := svc.Admin.UpdateUser(ctx, root, ann.UserID, shared.AdminUpdateUserRequest{IsActive: &inactive}); err != nil {
						t.Fatal(err)
					}
				}
			})
			got, err := svc.Admin.UpdateUser(ctx, staff, ann.UserID, c.req)
			if err != nil {
				t.Fatalf("the staff member's change: %v", err)
			}
			if got.IsActive {
				t.Error("the change answers with the account active; it was deactivated before the change")
			}
			if n := countEvents(t, st, ann.UserID, shared.EventAccountDeactivated); n != 1 {
				t.Errorf("%d deactivations recorded, want 1", n)
			}
			u, err := st.UserByID(ctx, ann.UserID)
			if err != nil {
				t.Fatal(err)
			}
			if u.IsActive {
				t.Error("the account is active again")
			}
		})
	}
}

// TestRace_AnAdminActionOnAnAccountDeletedMidActionIsNotFound: the
// account acted on is deleted (by its owner, say) after the action read
// it: the action answers not_found, as it would now, rather than fail in
// the database or report a change to an account that is gone.
func TestRace_AnAdminActionOnAnAccountDeletedMidActionIsNotFound(t *testing.T) {
	ctx := context.Background()
	for _, action := range adminActions {
		t.Run(action.name, func(t *testing.T) {
			st, svc, ann := newRaceKit(t)
			root := staffSession(t, svc, "root@example.com")
			onChecked(t, func(step string) {
				if step == action.step {
					if _, err := st.IDB().NewDelete().Model((*store.User)(nil)).Where("id = ?", ann.UserID).Exec(ctx); err != nil {
						t.Fatal(err)
					}
				}
			})
			err := action.act(svc, root, ann.UserID)
			if apiErr, ok := errors.AsType[*shared.Error](err); !ok || apiErr.Code != shared.CodeNotFound {
				t.Errorf("the action: %v, want not_found", err)
			}
		})
	}
}

// TestRace_ASuperuserDeactivatesAnAccountPromotedMidAction: the last
// active superuser is counted (and the superusers' rows locked) before
// any other row, so an action that finds in its transaction that the
// account it deactivates or deletes has become a superuser starts again,
// counting first. A superuser's action goes through, and leaves the
// account as it asked.
func TestRace_ASuperuserDeactivatesAnAccountPromotedMidAction(t *testing.T) {
	ctx := context.Background()
	inactive := false
	for _, action := range []string{"deactivate", "delete"} {
		t.Run(action, func(t *testing.T) {
			st, svc, ann := newRaceKit(t)
			root := staffSession(t, svc, "root@example.com")
			onChecked(t, func(step string) {
				if step == "admin-update" || step == "admin-delete" {
					if err := st.UpdateUser(ctx, &store.User{ID: ann.UserID, IsStaff: true, IsSuperuser: true}, "is_staff", "is_superuser"); err != nil {
						t.Fatal(err)
					}
				}
			})
			var err error
			if action == "deactivate" {
				_, err = svc.Admin.UpdateUser(ctx, root, ann.UserID, shared.AdminUpdateUserRequest{IsActive: &inactive})
			} else {
				err = svc.Admin.DeleteUser(ctx, root, ann.UserID, nil)
			}
			if err != nil {
				t.Fatalf("the superuser's action: %v", err)
			}
			u, err := st.UserByID(ctx, ann.UserID)
			switch {
			case action == "delete" && !errors.Is(err, store.ErrNotFound):
				t.Errorf("the account after its deletion: %v, want it gone", err)
			case action == "deactivate" && (err != nil || u.IsActive):
				t.Errorf("the account after its deactivation: active %v (%v)", u.IsActive, err)
			}
		})
	}
}
