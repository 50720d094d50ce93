package totp

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// secretRow is a user's authenticator secret as stored: the active one
// (nil until enabled) and a pending one while a new app is set up. Both
// are sealed with the key encryption key when there is one.
type secretRow struct {
	bun.BaseModel `bun:"table:totp_secrets"`

	UserID        string     `bun:"user_id,pk"`
	Secret        []byte     `bun:"secret"`
	PendingSecret []byte     `bun:"pending_secret"`
	LastStep      int64      `bun:"last_step,notnull"` // the latest time step a code was accepted for
	EnabledAt     *time.Time `bun:"enabled_at"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
}

// The RFC 6238 parameters authenticator apps assume: SHA-1, 6 digits,
// 30-second steps, and one step of clock drift either way.
const (
	period = 30
	skew   = 1
)

var codeOptions = totp.ValidateOpts{Period: period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Service manages authenticator secrets and recovery codes on the kit's
// store. Every method is scoped to one user.
type Service struct {
	store   *store.Store
	auth    *auth.Service
	kek     signing.KeyEncryptionKey
	issuer  string
	now     func() time.Time
	factors *auth.Factors
	log     *slog.Logger
}

// NewService builds the service from what the kit lends a module. Under
// `authkit openapi` the kit has no database and no auth service; the
// service is then never called.
func NewService(k *httpapi.Kit) *Service {
	s := &Service{store: k.Store, auth: k.Auth, issuer: "authkit", now: k.Now, log: slog.New(slog.DiscardHandler)}
	if k.Auth != nil {
		cfg := k.Auth.Config()
		s.kek, s.issuer, s.factors, s.log = cfg.KeyEncryptionKey, cfg.Issuer, k.Auth.Factors, cfg.Logger
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

var (
	errNotOn      = shared.NewError(shared.CodeNotFound, "Two-factor authentication is not on.")
	errNoPending  = invalidCode("Start setting up your authenticator app again: that setup has ended.")
	errWrongSetup = invalidCode("That code does not match. Check that your app shows the account you just added, and try the newest code.")
)

func invalidCode(msg string) error {
	return &shared.Error{Code: shared.CodeInvalidCode, Message: msg, Fields: map[string]string{"code": msg}}
}

// Status says whether the app is on and how many recovery codes are left.
func (s *Service) Status(ctx context.Context, userID string) (sharedtotp.StatusResponse, error) {
	row, err := s.row(ctx, s.store, userID)
	if err != nil || row.Secret == nil {
		return sharedtotp.StatusResponse{}, err
	}
	left, err := s.recoveryCodesLeft(ctx, userID)
	return sharedtotp.StatusResponse{Enabled: true, RecoveryCodesLeft: left}, err
}

// row reads a user's secrets; a user without any gets an empty row (not
// stored).
func (s *Service) row(ctx context.Context, db *store.Store, userID string) (*secretRow, error) {
	row := &secretRow{UserID: userID}
	err := store.MapError(db.IDB().NewSelect().Model(row).WherePK().Scan(ctx))
	if errors.Is(err, store.ErrNotFound) {
		return &secretRow{UserID: userID}, nil
	}
	return row, err
}

// Setup makes a new pending secret for the user's app. The user's email
// names the account in the app, under the token issuer's name.
func (s *Service) Setup(ctx context.Context, userID string) (sharedtotp.SetupResponse, error) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return sharedtotp.SetupResponse{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.issuer, AccountName: u.Email, Period: period, SecretSize: 20})
	if err != nil {
		return sharedtotp.SetupResponse{}, err
	}
	sealed, err := s.kek.SealSecret([]byte(key.Secret()), userID)
	if err != nil {
		return sharedtotp.SetupResponse{}, err
	}
	qr, err := qrDataURL(key.URL())
	if err != nil {
		return sharedtotp.SetupResponse{}, err
	}
	row := &secretRow{UserID: userID, PendingSecret: sealed, CreatedAt: s.now().UTC()}
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		_, err := tx.IDB().NewInsert().Model(row).
			On("CONFLICT (user_id) DO UPDATE").Set("pending_secret = EXCLUDED.pending_secret").Exec(ctx)
		return store.MapError(err)
	})
	if err != nil {
		return sharedtotp.SetupResponse{}, err
	}
	return sharedtotp.SetupResponse{Secret: key.Secret(), OTPAuthURI: key.URL(), QRCode: qr}, nil
}

// Enable confirms a code of the pending secret and makes it the user's,
// turning two-factor authentication on, with new recovery codes. The code
// is checked under the account's guess throttle (AccountSecretCheck), as
// every code and password offered for a signed-in account is: a stolen
// session cannot test guesses at it faster than at the password.
//
// Errors: validation_failed, invalid_code (400: a wrong code, or no
// pending setup it could be checked against, which asks the user to start
// again), rate_limited, not_authenticated (the session ended meanwhile).
func (s *Service) Enable(ctx context.Context, caller auth.Principal, req sharedtotp.EnableRequest) ([]string, error) {
	userID := caller.UserID
	if err := req.Validate(); err != nil {
		return nil, err
	}
	var codes []string
	ok, err := s.auth.Accounts.AccountSecretCheck(ctx, userID, func(ctx context.Context) (bool, error) {
		var err error
		codes, err = s.enable(ctx, caller, req.Code)
		if errors.Is(err, errWrongSetup) {
			return false, nil // a wrong guess, the one outcome that spends a token
		}
		return err == nil, err
	})
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, errWrongSetup
	}
	s.factors.Changed(ctx, userID)
	s.auth.Notify(ctx, userID, "two_factor_on", "")
	return codes, nil
}

// enable is Enable's transaction: the code's check and the change, once
// the caller's session is held (auth.Sessions.Hold).
func (s *Service) enable(ctx context.Context, caller auth.Principal, code string) ([]string, error) {
	userID := caller.UserID
	var codes []string
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if err := s.auth.Sessions.Hold(ctx, tx, caller); err != nil {
			return err
		}
		row, err := s.row(ctx, tx, userID)
		if err != nil {
			return err
		}
		if row.PendingSecret == nil {
			return errNoPending
		}
		secret, err := s.kek.OpenSecret(row.PendingSecret, userID)
		if err != nil {
			// Sealed under another key encryption key (changed since the
			// setup began) or damaged: no code can match it, and only a
			// new setup, sealed under the current key, can. The user is
			// told so; the operator gets the real error.
			s.log.ErrorContext(ctx, "a pending authenticator secret cannot be opened; the user must set the app up again",
				"user_id", userID, "err", err)
			return errNoPending
		}
		step, ok := matchStep(string(secret), shared.NormalizeCode(code), s.now(), -1)
		if !ok {
			return errWrongSetup
		}
		testHookCodeMatched("enable")
		// The secret turned on is the one the code was checked against:
		// on PostgreSQL a second setup (another tab) may have replaced the
		// pending one since it was read, and no code confirmed that one.
		now := s.now().UTC()
		res, err := tx.IDB().NewUpdate().Model((*secretRow)(nil)).
			Set("secret = pending_secret").Set("pending_secret = NULL").
			Set("last_step = ?", step).Set("enabled_at = ?", now).
			Where("user_id = ?", userID).Where("pending_secret = ?", row.PendingSecret).Exec(ctx)
		if err != nil {
			return store.MapError(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errNoPending
		}
		if codes, err = replaceRecoveryCodes(ctx, tx, userID, now); err != nil {
			return err
		}
		if err := s.auth.Activity.Record(ctx, tx, auth.Event{Type: sharedtotp.EventTOTPEnabled, UserID: userID}); err != nil {
			return err
		}
		return s.factors.Mark(ctx, tx, userID, MethodTOTP, true)
	})
	return codes, err
}

// Disable turns two-factor authentication off: the secrets and the
// recovery codes are deleted, once the caller's session is held
// (auth.Sessions.Hold, which locks the account's row before the app's,
// the order in which Enable takes them): a session ended elsewhere, still
// in this server's cache, must not take a factor away.
//
// Errors: not_authenticated (the session ended meanwhile).
func (s *Service) Disable(ctx context.Context, caller auth.Principal) error {
	userID := caller.UserID
	var was bool
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if err := s.auth.Sessions.Hold(ctx, tx, caller); err != nil {
			return err
		}
		row, err := s.row(ctx, tx, userID)
		if err != nil {
			return err
		}
		was = row.Secret != nil
		if err := deleteAll(ctx, tx, userID); err != nil {
			return err
		}
		if was {
			if err := s.auth.Activity.Record(ctx, tx, auth.Event{Type: sharedtotp.EventTOTPDisabled, UserID: userID}); err != nil {
				return err
			}
		}
		return s.factors.Mark(ctx, tx, userID, MethodTOTP, false)
	})
	if err != nil {
		return err
	}
	s.factors.Changed(ctx, userID)
	if was {
		s.auth.Notify(ctx, userID, "two_factor_off", "")
	}
	return nil
}

// deleteAll removes a user's secrets and recovery codes, within tx.
func deleteAll(ctx context.Context, tx *store.Store, userID string) error {
	for _, model := range []any{(*secretRow)(nil), (*recoveryCode)(nil)} {
		if _, err := tx.IDB().NewDelete().Model(model).Where("user_id = ?", userID).Exec(ctx); err != nil {
			return store.MapError(err)
		}
	}
	return nil
}

// NewRecoveryCodes replaces the user's recovery codes, once the caller's
// session is held (auth.Sessions.Hold): codes are a way past the second
// step, so a session ended meanwhile gets none.
//
// Errors: not_found (two-factor authentication is off),
// not_authenticated (the session ended meanwhile).
func (s *Service) NewRecoveryCodes(ctx context.Context, caller auth.Principal) ([]string, error) {
	userID := caller.UserID
	var codes []string
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		if err := s.auth.Sessions.Hold(ctx, tx, caller); err != nil {
			return err
		}
		row, err := s.row(ctx, tx, userID)
		if err != nil {
			return err
		}
		if row.Secret == nil {
			return errNotOn
		}
		if codes, err = replaceRecoveryCodes(ctx, tx, userID, s.now().UTC()); err != nil {
			return err
		}
		return s.auth.Activity.Record(ctx, tx, auth.Event{Type: sharedtotp.EventRecoveryCodesRenewed, UserID: userID})
	})
	return codes, err
}

// verifyCode accepts a code of the user's active secret for a time step
// after the last one accepted, and records that step in the same
// conditional UPDATE, so a code works once even when two requests race
// with it.
func (s *Service) verifyCode(ctx context.Context, userID, code string) (bool, error) {
	if sharedtotp.ValidateCode(code) != "" {
		return false, nil
	}
	row, err := s.row(ctx, s.store, userID)
	if err != nil || row.Secret == nil {
		return false, err
	}
	secret, err := s.openActive(row)
	if err != nil {
		return false, err
	}
	step, ok := matchStep(string(secret), code, s.now(), row.LastStep)
	if !ok {
		return false, nil
	}
	testHookCodeMatched("verify")
	// The code is accepted only for the secret it was checked against: an
	// app replaced since it was read (a new one turned on, or the app
	// turned off) no longer signs anyone in.
	var won bool
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		res, err := tx.IDB().NewUpdate().Model((*secretRow)(nil)).Set("last_step = ?", step).
			Where("user_id = ?", userID).Where("secret = ?", row.Secret).Where("last_step < ?", step).Exec(ctx)
		if err != nil {
			return store.MapError(err)
		}
		n, _ := res.RowsAffected()
		won = n == 1
		return nil
	})
	return won, err
}

// matchStep finds the time step, within skew of now and after lastStep,
// whose code is code. Every candidate is compared in constant time.
func matchStep(secret, code string, now time.Time, lastStep int64) (int64, bool) {
	current := now.Unix() / period
	var found int64
	ok := false
	for step := current - skew; step <= current+skew; step++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*period, 0), codeOptions)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && step > lastStep && !ok {
			found, ok = step, true
		}
	}
	return found, ok
}

// openActive opens the user's active secret. One that does not open
// (sealed under another key encryption key, or damaged) makes the app
// unusable, not the account: auth.ErrFactorUnavailable, which the login
// logs and steps around, leaving the recovery codes.
func (s *Service) openActive(row *secretRow) ([]byte, error) {
	secret, err := s.kek.OpenSecret(row.Secret, row.UserID)
	if err != nil {
		return nil, fmt.Errorf("totp: the secret of user %s: %w: %w", row.UserID, auth.ErrFactorUnavailable, err)
	}
	return secret, nil
}

// usable reports whether the user's app is on and its secret opens
// (openActive).
func (s *Service) usable(ctx context.Context, userID string) (bool, error) {
	row, err := s.row(ctx, s.store, userID)
	if err != nil || row.Secret == nil {
		return false, err
	}
	_, err = s.openActive(row)
	return err == nil, err
}

// enabled reports whether the user's app is on.
func (s *Service) enabled(ctx context.Context, userID string) (bool, error) {
	row, err := s.row(ctx, s.store, userID)
	return err == nil && row.Secret != nil, err
}
