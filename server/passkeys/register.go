package passkeys

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
)

// Adding, listing, renaming and deleting a signed-in user's passkeys.

// MaxPasskeysPerUser bounds the passkeys of one account: each is a row,
// and each is listed in every later registration's options (to exclude
// it), so a script with a recent session and a software authenticator
// must not add them without end. Fifty is far more than the devices and
// password managers of one person.
const MaxPasskeysPerUser = 50

var errTooMany = shared.NewError(shared.CodeLimitReached,
	fmt.Sprintf("You have %d passkeys, the most an account can keep. Delete one to add another.", MaxPasskeysPerUser))

// BeginRegistration starts adding a passkey: creation options that
// exclude the user's existing passkeys, so one authenticator is not
// registered twice. The ceremony is the caller's session's: only that
// session finishes it (FinishRegistration).
//
// Errors: forbidden (passkeys are off), limit_reached (the account has
// MaxPasskeysPerUser).
func (s *Service) BeginRegistration(ctx context.Context, caller auth.Principal) (sharedpasskeys.Options, error) {
	userID := caller.UserID
	if err := s.available(); err != nil {
		return sharedpasskeys.Options{}, err
	}
	w, _, err := s.loadUser(ctx, userID)
	if err != nil {
		return sharedpasskeys.Options{}, err
	}
	if len(w.creds) >= MaxPasskeysPerUser {
		return sharedpasskeys.Options{}, errTooMany
	}
	creation, session, err := s.wa.BeginRegistration(w,
		webauthn.WithExclusions(webauthn.Credentials(w.creds).CredentialDescriptors()),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
	)
	if err != nil {
		return sharedpasskeys.Options{}, err
	}
	return s.begin(ctx, kindRegister, &caller, nil, creation, session)
}

// FinishRegistration verifies the new credential against the caller's
// ceremony and stores it, with its sign count and backup flags. It mails
// the user, who hears of a passkey they did not add. A ceremony another
// session began, even the same user's, is as unknown as an expired one:
// a session that has logged out leaves nothing another can finish.
//
// Errors: validation_failed (fields.credential: unreadable, expired,
// already registered; fields.name), forbidden (passkeys are off),
// limit_reached (the account has MaxPasskeysPerUser), not_authenticated
// (the caller's session ended meanwhile).
func (s *Service) FinishRegistration(ctx context.Context, caller auth.Principal, req sharedpasskeys.FinishRegistrationRequest) (*passkey, error) {
	userID := caller.UserID
	if err := s.available(); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(req.Credential)
	if err != nil {
		return nil, errUnreadable
	}
	session, c, err := s.spend(ctx, kindRegister, parsed.Response.CollectedClientData.Challenge, nil)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !c.begunBy(caller)) {
		return nil, errSetupExpired
	}
	if err != nil {
		return nil, err
	}
	w, _, err := s.loadUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	cred, err := s.wa.CreateCredential(w, session, parsed)
	if err == nil {
		err = checkPublicKey(cred.PublicKey)
	}
	if err != nil {
		s.log.InfoContext(ctx, "passkey registration refused", "user_id", userID, "err", err)
		return nil, errUnreadable
	}
	row, err := s.store1(ctx, caller, req.Name, cred)
	if err != nil {
		return nil, err
	}
	s.auth.Factors.Changed(ctx, userID)
	s.auth.Notify(ctx, userID, "passkey_added", row.Name)
	return row, nil
}

// minRSABits is the smallest RSA modulus a passkey may have (NIST SP
// 800-131A; authenticators that use RSA, such as Windows Hello's TPM,
// make 2048-bit keys).
const minRSABits = 2048

// checkPublicKey refuses a credential public key that could never check
// a signature: one go-webauthn cannot read (a curve the COSE registry
// does not know, a point off its curve, an Ed25519 key of the wrong
// length) or a weak RSA key. With "none" attestation nothing is signed
// with the key at registration, so CreateCredential does not read it;
// stored, it would be a passkey that never signs in, yet counts as the
// account's way in (WaysIn) and is mailed to its owner as added.
func checkPublicKey(cose []byte) error {
	key, err := webauthncose.ParsePublicKey(cose)
	if err != nil {
		return fmt.Errorf("the credential public key: %w", err)
	}
	if k, ok := key.(webauthncose.RSAPublicKeyData); ok {
		if bits := new(big.Int).SetBytes(k.Modulus).BitLen(); bits < minRSABits {
			return fmt.Errorf("the credential public key: a %d-bit RSA key", bits)
		}
	}
	return nil
}

// store1 inserts a verified credential and marks the user as having
// passkeys, in one transaction that first holds the caller's session
// (auth.Sessions.Hold, which locks the user's row, so two finishes at
// once cannot both see room for the last passkey).
func (s *Service) store1(ctx context.Context, caller auth.Principal, name string, cred *webauthn.Credential) (*passkey, error) {
	userID := caller.UserID
	data, err := jsonMarshal(cred)
	if err != nil {
		return nil, err
	}
	row := &passkey{
		ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, CredentialID: cred.ID, Name: name, Credential: data,
		SignCount: int64(cred.Authenticator.SignCount), BackupEligible: cred.Flags.BackupEligible, BackupState: cred.Flags.BackupState,
		CreatedAt: s.now().UTC(),
	}
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		if err := s.auth.Sessions.Hold(ctx, tx, caller); err != nil {
			return err
		}
		switch n, err := countPasskeys(ctx, tx, userID); {
		case err != nil:
			return err
		case n >= MaxPasskeysPerUser:
			return errTooMany
		}
		if _, err := tx.IDB().NewInsert().Model(row).Exec(ctx); err != nil {
			return store.MapError(err)
		}
		err := s.auth.Activity.Record(ctx, tx, auth.Event{Type: sharedpasskeys.EventPasskeyAdded, UserID: userID,
			Detail: map[string]string{shared.DetailName: name}})
		if err != nil {
			return err
		}
		return s.auth.Factors.Mark(ctx, tx, userID, auth.MethodPasskey, true)
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, errRegistered
	}
	return row, err
}

// List returns the user's passkeys, newest first.
func (s *Service) List(ctx context.Context, userID string) ([]passkey, error) {
	return passkeysOf(ctx, s.store.IDB(), userID)
}

// Rename changes a passkey's name. Errors: validation_failed, not_found.
func (s *Service) Rename(ctx context.Context, userID, id string, req sharedpasskeys.RenameRequest) (*passkey, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	row := new(passkey)
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		res, err := tx.IDB().NewUpdate().Model((*passkey)(nil)).Set("name = ?", req.Name).
			Where("id = ?", id).Where("user_id = ?", userID).Exec(ctx)
		if err != nil {
			return store.MapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return store.MapError(tx.IDB().NewSelect().Model(row).Where("id = ?", id).Scan(ctx))
	})
	return row, err
}

// Delete removes a passkey; with the last one gone, the user no longer
// has passkeys. It refuses to remove the account's last way to sign in
// (auth.WaysIn counts the password, the sign-in providers' connected
// accounts and the passkeys left), which would lock the person out. The
// caller's session is held first (auth.Sessions.Hold), as for adding a
// passkey or turning an authenticator app off: a session ended elsewhere
// (a password reset on another server), still in this server's session
// cache, must not take a way in away.
//
// Errors: not_found, last_login_method, not_authenticated (the caller's
// session ended meanwhile).
func (s *Service) Delete(ctx context.Context, caller auth.Principal, id string) error {
	userID := caller.UserID
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if err := s.auth.Sessions.Hold(ctx, tx, caller); err != nil {
			return err
		}
		return s.auth.WaysIn.Remove(ctx, tx, userID, errLastWayIn, func() error {
			res, err := tx.IDB().NewDelete().Model((*passkey)(nil)).Where("id = ?", id).Where("user_id = ?", userID).Exec(ctx)
			if err != nil {
				return store.MapError(err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errNotFound
			}
			if err := s.auth.Activity.Record(ctx, tx, auth.Event{Type: sharedpasskeys.EventPasskeyDeleted, UserID: userID}); err != nil {
				return err
			}
			left, err := countPasskeys(ctx, tx, userID)
			if err != nil || left > 0 {
				return err
			}
			return s.auth.Factors.Mark(ctx, tx, userID, auth.MethodPasskey, false)
		})
	})
	if err == nil {
		s.auth.Factors.Changed(ctx, userID)
	}
	return err
}

// errLastWayIn is last_login_method's message when the passkey is the
// account's only way to sign in.
const errLastWayIn = "This passkey is your only way to sign in. Set a password or connect an account first."
