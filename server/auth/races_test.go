package auth

import (
	"context"
	"errors"
	"testing"
	"time"

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

// liveSessions counts the account's sessions that are neither revoked
// nor expired.
func liveSessions(t *testing.T, st *store.Store, userID string) int {
	t.Helper()
	sessions, err := st.ListLiveSessions(context.Background(), userID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return len(sessions)
}

// TestRace_ALoginCheckedBeforeAResetGetsNoSession: a reset ends every
// session, to shut out whoever knew the old password. A login whose old
// password was checked before the reset committed must not start a
// session (or, with an authenticator app, an mfa_token) after it.
func TestRace_ALoginCheckedBeforeAResetGetsNoSession(t *testing.T) {
	for _, withApp := range []bool{false, true} {
		t.Run(map[bool]string{false: "password only", true: "with an authenticator app"}[withApp], func(t *testing.T) {
			st, svc, ann := newRaceKit(t)
			if withApp {
				svc.Factors.Register(gatingFactor{})
				if err := st.SetUserFactors(context.Background(), ann.UserID, "app"); err != nil {
					t.Fatal(err)
				}
			}
			reset := resetBy(t, svc, ann.UserID)
			onChecked(t, func(step string) {
				if step == "login" {
					reset()
				}
			})
			_, _, err := svc.Accounts.Login(context.Background(), shared.LoginRequest{Email: raceTestEmail, Password: oldPassword}, Client{})
			if !errors.Is(err, errInvalidCredentials) {
				t.Errorf("a login with the old password, checked before the reset: %v, want invalid_credentials", err)
			}
			if n := liveSessions(t, st, ann.UserID); n != 0 {
				t.Errorf("%d session(s) live after the reset", n)
			}
			pending, err := st.IDB().NewSelect().Model((*store.MFAChallenge)(nil)).Where("user_id = ?", ann.UserID).Count(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if pending != 0 {
				t.Errorf("%d login(s) wait for a code after the reset", pending)
			}
		})
	}
}

// TestRace_ALoginCheckedBeforeADeactivationGetsNoSession: deactivating
// an account ends its sessions. A login checked before the deactivation
// committed must not start one after it: the cache would take it as
// live, and reactivating the account would bring it back, never revoked.
func TestRace_ALoginCheckedBeforeADeactivationGetsNoSession(t *testing.T) {
	ctx := context.Background()
	st, svc, ann := newRaceKit(t)
	admin, err := svc.Accounts.CreateSuperuser(ctx, "root@example.com", "Root", "a long admin secret")
	if err != nil {
		t.Fatal(err)
	}
	issued, err := svc.Sessions.Start(ctx, admin, Client{})
	if err != nil {
		t.Fatal(err)
	}
	staff := Principal{UserID: admin.ID, SessionID: issued.SessionID}
	setActive := func(active bool) {
		t.Helper()
		if _, err := svc.Admin.UpdateUser(ctx, staff, ann.UserID, shared.AdminUpdateUserRequest{IsActive: &active}); err != nil {
			t.Fatal(err)
		}
	}
	onChecked(t, func(step string) {
		if step == "login" {
			setActive(false)
		}
	})
	_, got, err := svc.Accounts.Login(ctx, shared.LoginRequest{Email: raceTestEmail, Password: oldPassword}, Client{})
	if !errors.Is(err, errInvalidCredentials) {
		t.Errorf("a login checked before the deactivation: %v, want invalid_credentials", err)
	}
	if err == nil {
		if _, err := svc.Sessions.Authenticate(ctx, got.Access); err == nil {
			t.Error("the deactivated account's new session is taken as live")
		}
	}
	setActive(true)
	if n := liveSessions(t, st, ann.UserID); n != 0 {
		t.Errorf("%d session(s) came back with the reactivation", n)
	}
}

// gatingFactor is a second factor that every login of a user who has it
// ("app") must answer, and that no code passes.
type gatingFactor struct{}

func (gatingFactor) Method() string { return "app" }
func (gatingFactor) Gates() bool    { return true }
func (gatingFactor) Offered(context.Context, *store.User) (bool, error) {
	return true, nil
}
func (gatingFactor) Verify(context.Context, *store.User, Proof) (bool, error) { return false, nil }
func (gatingFactor) Reset(context.Context, *store.Store, string) error        { return nil }

// TestRace_TwoSuperusersDeactivatingEachOtherLeaveOneActive: nobody may
// deactivate their own account, so one active superuser always remains;
// but two superusers deactivating each other at once were each checked
// as active before the other's change committed, and both changes went
// through, leaving nobody to run the site.
func TestRace_TwoSuperusersDeactivatingEachOtherLeaveOneActive(t *testing.T) {
	ctx := context.Background()
	st, svc, _ := newRaceKit(t)
	superuser := func(email string) Principal {
		t.Helper()
		u, err := svc.Accounts.CreateSuperuser(ctx, email, "Root", "a long admin secret")
		if err != nil {
			t.Fatal(err)
		}
		issued, err := svc.Sessions.Start(ctx, u, Client{})
		if err != nil {
			t.Fatal(err)
		}
		return Principal{UserID: u.ID, SessionID: issued.SessionID}
	}
	a, b := superuser("a@example.com"), superuser("b@example.com")
	inactive := false
	deactivate := func(actor, target Principal) error {
		_, err := svc.Admin.UpdateUser(ctx, actor, target.UserID, shared.AdminUpdateUserRequest{IsActive: &inactive})
		return err
	}
	var first error
	started := false
	onChecked(t, func(step string) {
		if step == "admin-update" && !started {
			started = true
			first = deactivate(a, b) // lands while b's change of a waits
		}
	})
	second := deactivate(b, a)
	if first != nil {
		t.Fatalf("a deactivating b: %v", first)
	}
	if apiErr, ok := errors.AsType[*shared.Error](second); !ok || apiErr.Code != shared.CodeLastSuperuser {
		t.Errorf("b deactivating a at the same time: %v, want last_superuser", second)
	}
	if n, err := st.CountActiveSuperusers(ctx, ""); err != nil || n == 0 {
		t.Errorf("active superusers left: %d (%v)", n, err)
	}
}

// TestRace_TwoLinksAskedForAtOnceLeaveOnlyTheNewestWorking: a new mailed
// link voids the older ones of its purpose, so only the newest works. On
// PostgreSQL two requests at once each looked for links to void before
// the other's link had committed, found none, and both links worked.
// The test needs PostgreSQL: SQLite's write transactions take turns
// (store.InTx), so there the second always sees the first.
func TestRace_TwoLinksAskedForAtOnceLeaveOnlyTheNewestWorking(t *testing.T) {
	ctx := context.Background()
	st, svc, ann := newRaceKit(t)
	if !st.IsPostgres() {
		t.Skip("SQLite's write transactions take turns already (store.InTx)")
	}
	older, hash := newOneTimeSecret()
	now := svc.Sessions.clock.now()
	var newer string
	first, second, _ := besideOpen(t, st,
		func(tx *store.Store) error {
			return tx.CreateOneTimeToken(ctx, &store.OneTimeToken{ID: newID(), UserID: ann.UserID,
				Purpose: store.PurposePasswordReset, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(PasswordResetTTL)})
		},
		func() (err error) {
			newer, err = svc.Recovery.storeOneTimeSecret(ctx, ann.UserID, store.PurposePasswordReset, PasswordResetTTL)
			return err
		}, nil)
	if first != nil || second != nil {
		t.Fatalf("asking for the links: %v, %v", first, second)
	}
	reset := func(secret string) error {
		return svc.Recovery.ConfirmPasswordReset(ctx, shared.PasswordResetConfirmRequest{Token: secret, NewPassword: ownersNew})
	}
	if err := reset(older); err == nil {
		t.Fatal("the older link worked: both links asked for at once work")
	} else if !errors.Is(err, errInvalidMailToken) {
		t.Fatalf("the older link: %v, want invalid_token", err)
	}
	if err := reset(newer); err != nil {
		t.Errorf("the newest link: %v", err)
	}
}

// TestRace_StaffWhoLoseTheirRoleMidActionAreRefused: the admin routes
// check their caller (RequireStaff) before the action's transaction. A
// staff member deactivated, demoted or deleted in between must be refused
// as the guard would refuse them now (not_authenticated when the account
// is gone or inactive, forbidden when it is no longer staff), and the
// action must not happen: before, it completed, or failed with a 500 on
// the event's actor_id once the actor was gone.
func TestRace_StaffWhoLoseTheirRoleMidActionAreRefused(t *testing.T) {
	ctx := context.Background()
	losses := []struct {
		name string
		lose func(st *store.Store, actorID string) error
		want shared.Code
	}{
		{"deactivated", func(st *store.Store, actorID string) error {
			return st.UpdateUser(ctx, &store.User{ID: actorID, IsActive: false}, "is_active")
		}, shared.CodeNotAuthenticated},
		{"demoted", func(st *store.Store, actorID string) error {
			return st.UpdateUser(ctx, &store.User{ID: actorID}, "is_staff", "is_superuser")
		}, shared.CodeForbidden},
		{"deleted", func(st *store.Store, actorID string) error {
			u, err := st.UserByID(ctx, actorID)
			if err != nil {
				return err
			}
			return st.InTx(ctx, func(tx *store.Store) error { return removeAccount(ctx, tx, u, "", time.Now(), nil) })
		}, shared.CodeNotAuthenticated},
	}
	for _, action := range adminActions {
		for _, loss := range losses {
			t.Run(action.name+" by a superuser "+loss.name, func(t *testing.T) {
				st, svc, ann := newRaceKit(t)
				actor := staffSession(t, svc, "root@example.com")
				staffSession(t, svc, "spare@example.com") // so the actor is not the last superuser
				if err := st.SetUserFactors(ctx, ann.UserID, "app"); err != nil {
					t.Fatal(err)
				}
				onChecked(t, func(step string) {
					if step == action.step {
						if err := loss.lose(st, actor.UserID); err != nil {
							t.Fatal(err)
						}
					}
				})
				err := action.act(svc, actor, ann.UserID)
				if apiErr, ok := errors.AsType[*shared.Error](err); !ok || apiErr.Code != loss.want {
					t.Errorf("the action: %v, want %s", err, loss.want)
				}
				if u, err := st.UserByID(ctx, ann.UserID); err != nil || u.Name != "Ann" || u.Factors != "app" {
					t.Errorf("the account acted on: name %q, factors %q (%v), want it untouched", u.Name, u.Factors, err)
				}
			})
		}
	}
	t.Run("reset factors by a superuser who is now only staff", func(t *testing.T) {
		st, svc, ann := newRaceKit(t)
		actor := staffSession(t, svc, "root@example.com")
		onChecked(t, func(step string) {
			if step == "admin-reset-factors" {
				if err := st.UpdateUser(ctx, &store.User{ID: actor.UserID, IsStaff: true}, "is_staff", "is_superuser"); err != nil {
					t.Fatal(err)
				}
			}
		})
		_, err := svc.Admin.ResetFactors(ctx, actor, ann.UserID)
		if apiErr, ok := errors.AsType[*shared.Error](err); !ok || apiErr.Code != shared.CodeForbidden {
			t.Errorf("the reset: %v, want forbidden", err)
		}
	})
}

// staffSession makes a superuser with the address and starts a session
// of theirs.
func staffSession(t *testing.T, svc *Service, email string) Principal {
	t.Helper()
	ctx := context.Background()
	u, err := svc.Accounts.CreateSuperuser(ctx, email, "Root", "a long admin secret")
	if err != nil {
		t.Fatal(err)
	}
	issued, err := svc.Sessions.Start(ctx, u, Client{})
	if err != nil {
		t.Fatal(err)
	}
	return Principal{UserID: u.ID, SessionID: issued.SessionID}
}

// TestRace_ASecondStepMeetingAResetGetsNoSession: a reset or a
// deactivation ends the logins waiting for their second factor, as it
// ends sessions. One that lands while the second step runs, wherever it
// lands, must not let that step start a session: before its token is
// claimed, the token is gone; after it is claimed or checked, the
// session's start finds nothing to spend (the token is spent in its
// transaction) or the account deactivated. So whatever the first step
// was: a module's (a provider account, a passkey) shows no password
// whose change would tell. The answer is the one for a token that no
// longer works, not_authenticated.
func TestRace_ASecondStepMeetingAResetGetsNoSession(t *testing.T) {
	ctx := context.Background()
	changes := map[string]func(t *testing.T, st *store.Store, svc *Service, userID string) func(){
		"a reset": func(t *testing.T, _ *store.Store, svc *Service, userID string) func() {
			return resetBy(t, svc, userID)
		},
		"a deactivation": func(t *testing.T, st *store.Store, svc *Service, userID string) func() {
			admin := staffSession(t, svc, "root@example.com")
			inactive := false
			return func() {
				_, err := svc.Admin.UpdateUser(ctx, admin, userID, shared.AdminUpdateUserRequest{IsActive: &inactive})
				if err != nil {
					t.Errorf("the deactivation: %v", err)
				}
			}
		},
	}
	// The first step: a password, or a module's way in (a provider
	// account), which the core cannot check again.
	firstSteps := map[string]func(t *testing.T, svc *Service, u *store.User) string{
		"a password": func(t *testing.T, svc *Service, _ *store.User) string {
			_, _, err := svc.Accounts.Login(ctx, shared.LoginRequest{Email: raceTestEmail, Password: oldPassword}, Client{})
			required, ok := errors.AsType[*shared.Error](err)
			if !ok || required.Challenge == nil {
				t.Fatalf("the first step: %v, want mfa_required", err)
			}
			return required.Challenge.MFAToken
		},
		"a provider account": func(t *testing.T, svc *Service, u *store.User) string {
			ch, err := svc.Factors.Challenge(ctx, u, "oidc")
			if err != nil || ch == nil {
				t.Fatalf("the first step: %v, %v", ch, err)
			}
			return ch.MFAToken
		},
	}
	for change, prepare := range changes {
		for step, first := range firstSteps {
			for _, at := range []string{"before the token is claimed", "mfa-claimed", "mfa-verified"} {
				t.Run(change+" after "+step+" at "+at, func(t *testing.T) {
					st, svc, ann := newRaceKit(t)
					svc.Factors.Register(passingFactor{})
					if err := st.SetUserFactors(ctx, ann.UserID, "app"); err != nil {
						t.Fatal(err)
					}
					u, err := st.UserByID(ctx, ann.UserID)
					if err != nil {
						t.Fatal(err)
					}
					token := first(t, svc, u)
					land := prepare(t, st, svc, ann.UserID)
					if at == "before the token is claimed" {
						land()
					}
					onChecked(t, func(step string) {
						if step == at {
							land()
						}
					})
					_, _, err = svc.Factors.Complete(ctx, shared.MFALoginRequest{MFAToken: token, Code: "123456"}, Client{})
					if !errors.Is(err, errMFAExpired) {
						t.Errorf("the second step: %v, want not_authenticated", err)
					}
					if n := liveSessions(t, st, ann.UserID); n != 0 {
						t.Errorf("%d session(s) live after %s", n, change)
					}
				})
			}
		}
	}
}

// passingFactor is a second factor that every login of a user who has it
// ("app") must answer, and that any code passes.
type passingFactor struct{ gatingFactor }

func (passingFactor) Verify(context.Context, *store.User, Proof) (bool, error) { return true, nil }
