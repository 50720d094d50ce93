package passkeys

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
)

// Signing in with a passkey: a discoverable credential, so the browser
// offers the person's passkeys without being told who they are, and one
// with user verification, so it is a whole login on its own. The same
// assertion check serves as a second factor after a password and for
// re-authentication (factor.go).

// BeginLogin starts a sign-in for a browser (its id, browser.go): request
// options with a new challenge and no list of credentials.
func (s *Service) BeginLogin(ctx context.Context, browserID string) (sharedpasskeys.Options, error) {
	if err := s.available(); err != nil {
		return sharedpasskeys.Options{}, err
	}
	assertion, session, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return sharedpasskeys.Options{}, err
	}
	browser := browserHash(browserID)
	return s.begin(ctx, kindLogin, nil, &browser, assertion, session)
}

// Authenticate checks an assertion: its ceremony (spent here, so an
// assertion works once), the signature by the stored public key, user
// verification, the origin and RP ID, and the sign count. A sign count
// that does not go up (while either count is non-zero) means the
// authenticator may have been cloned: the assertion is refused and
// logged. On success the sign count, backup state and last use are
// stored, and the passkey's active owner and the passkey's id returned:
// the session that follows starts only if the passkey is still the
// owner's (stillRegistered).
//
// The ceremony must be the one browserID began (browser.go): one begun
// elsewhere is refused like a spent one, and stays unspent.
//
// Errors: invalid_credentials (any refusal, with the reason in the log
// only), forbidden (passkeys are off).
func (s *Service) Authenticate(ctx context.Context, credential json.RawMessage, browserID string) (*store.User, string, error) {
	if err := s.available(); err != nil {
		return nil, "", err
	}
	if browserID == "" { // a client that began no sign-in
		return nil, "", errRefused
	}
	browser := browserHash(browserID)
	return s.authenticate(ctx, credential, &browser, "")
}

// authenticate is Authenticate, with the ceremony's browser checked when
// browser is not nil. (A second factor or a re-authentication does not
// check it yet: auth.SecondFactor.Verify is not given the request.) With
// an owner (a second factor's user), a passkey of anyone else is refused
// before it is checked, so it is not recorded as used.
func (s *Service) authenticate(ctx context.Context, credential json.RawMessage, browser *string, owner string) (*store.User, string, error) {
	if err := s.available(); err != nil {
		return nil, "", err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(credential)
	if err != nil {
		return nil, "", errRefused
	}
	session, _, err := s.spend(ctx, kindLogin, parsed.Response.CollectedClientData.Challenge, browser)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", errRefused
	}
	if err != nil {
		return nil, "", err
	}
	var (
		row    passkey
		signer *store.User
	)
	find := func(rawID, userHandle []byte) (webauthn.User, error) {
		if err := store.MapError(s.store.IDB().NewSelect().Model(&row).Where("credential_id = ?", rawID).Scan(ctx)); err != nil {
			return nil, err
		}
		if string(userHandle) != row.UserID {
			return nil, errors.New("the user handle is not the passkey's owner")
		}
		if owner != "" && row.UserID != owner {
			return nil, errors.New("the passkey is another user's")
		}
		cred, err := row.credential()
		if err != nil {
			return nil, err
		}
		if signer, err = s.store.UserByID(ctx, row.UserID); err != nil {
			return nil, err
		}
		return user{u: signer, creds: []webauthn.Credential{cred}}, nil
	}
	cred, err := s.wa.ValidateDiscoverableLogin(find, session, parsed)
	if err != nil {
		s.log.InfoContext(ctx, "passkey assertion refused", "err", err)
		return nil, "", errRefused
	}
	if cred.Authenticator.CloneWarning {
		s.log.WarnContext(ctx, "passkey refused: its sign count did not increase, so the authenticator may be cloned",
			"user_id", row.UserID, "passkey_id", row.ID, "stored_count", row.SignCount, "presented_count", parsed.Response.AuthenticatorData.Counter)
		return nil, "", errRefused
	}
	if !signer.IsActive {
		return nil, "", errRefused
	}
	if testHookValidated != nil {
		testHookValidated()
	}
	count := int64(cred.Authenticator.SignCount)
	update := s.store.IDB().NewUpdate().Model((*passkey)(nil)).
		Set("sign_count = ?", count).
		Set("backup_state = ?", cred.Flags.BackupState).
		Set("last_used_at = ?", s.now().UTC()).
		Where("id = ?", row.ID)
	if count > 0 {
		// The clone check above compared the count with the one read
		// before: copies of a key answering at once with the same count
		// all passed it. Only the first to store it signs in.
		update = update.Where("sign_count < ?", count)
	} else {
		// An authenticator without a counter always says 0; a 0 passed
		// the check only against a stored 0, and must not wind back a
		// count another use stored since (a copy, answering 0 while the
		// original stored 5, reset the count that catches copies).
		update = update.Where("sign_count = 0")
	}
	res, err := update.Exec(ctx)
	if err != nil {
		return nil, "", store.MapError(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		s.log.WarnContext(ctx, "passkey refused: another use stored its sign count first, so the authenticator may be cloned",
			"user_id", row.UserID, "passkey_id", row.ID, "presented_count", count)
		return nil, "", errRefused
	}
	return signer, row.ID, nil
}

// stillRegistered is the auth.FirstStepCheck of a sign-in with a
// passkey: the passkey must still be its owner's, read within the
// transaction that starts the session, after the account's row is
// locked, as a password reset takes it before it removes the account's
// ways in (an account whose address nobody had proved). Gone, the
// sign-in is refused as a passkey that was never there.
func stillRegistered(passkeyID, userID string) auth.FirstStepCheck {
	return func(ctx context.Context, tx *store.Store) error {
		held, err := tx.IDB().NewSelect().Model((*passkey)(nil)).Where("id = ?", passkeyID).Where("user_id = ?", userID).Exists(ctx)
		if err != nil {
			return store.MapError(err)
		}
		if !held {
			return errRefused
		}
		return nil
	}
}

// testHookValidated, set by tests, runs when an assertion has passed its
// checks, before its sign count is stored.
var testHookValidated func()

func jsonMarshal(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
