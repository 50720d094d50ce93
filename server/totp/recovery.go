package totp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/authkit/authkit/server/store"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// recoveryCode is one single-use recovery code, stored only as the
// SHA-256 of its normalised form. A code has 80 random bits, so a
// leaked table cannot be brute-forced back into codes (no salt or
// stretching needed, as for the kit's other random secrets).
type recoveryCode struct {
	bun.BaseModel `bun:"table:recovery_codes"`

	ID        string     `bun:"id,pk"`
	UserID    string     `bun:"user_id,notnull"`
	CodeHash  string     `bun:"code_hash,notnull,unique"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
}

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newRecoveryCode returns a code as people see it ("abcd-efgh-ijkl-mnop")
// and its hash.
func newRecoveryCode() (code, hash string) {
	b := make([]byte, sharedtotp.RecoveryCodeLength*5/8) // 10 bytes: 80 bits, 16 characters
	rand.Read(b)
	raw := lowerBase32.EncodeToString(b)
	groups := make([]string, 0, 4)
	for i := 0; i < len(raw); i += 4 {
		groups = append(groups, raw[i:i+4])
	}
	return strings.Join(groups, "-"), hashRecoveryCode(raw)
}

// hashRecoveryCode is the lookup key of a normalised code (no hyphens,
// lower case: shared.NormalizeCode).
func hashRecoveryCode(normalised string) string {
	sum := sha256.Sum256([]byte(normalised))
	return hex.EncodeToString(sum[:])
}

// replaceRecoveryCodes deletes the user's codes and stores new ones,
// within tx, returning them for the user to see once.
func replaceRecoveryCodes(ctx context.Context, tx *store.Store, userID string, now time.Time) ([]string, error) {
	if _, err := tx.IDB().NewDelete().Model((*recoveryCode)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return nil, store.MapError(err)
	}
	codes := make([]string, sharedtotp.RecoveryCodeCount)
	rows := make([]recoveryCode, sharedtotp.RecoveryCodeCount)
	for i := range codes {
		var hash string
		codes[i], hash = newRecoveryCode()
		rows[i] = recoveryCode{ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, CodeHash: hash, CreatedAt: now}
	}
	_, err := tx.IDB().NewInsert().Model(&rows).Exec(ctx)
	return codes, store.MapError(err)
}

// spendRecoveryCode marks the user's unused code with this normalised
// form used, in one conditional UPDATE, and reports whether it did.
func (s *Service) spendRecoveryCode(ctx context.Context, userID, code string) (bool, error) {
	if len(code) != sharedtotp.RecoveryCodeLength {
		return false, nil
	}
	var spent bool
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		res, err := tx.IDB().NewUpdate().Model((*recoveryCode)(nil)).Set("used_at = ?", s.now().UTC()).
			Where("user_id = ?", userID).Where("code_hash = ?", hashRecoveryCode(code)).Where("used_at IS NULL").
			Exec(ctx)
		if err != nil {
			return store.MapError(err)
		}
		n, _ := res.RowsAffected()
		spent = n == 1
		return nil
	})
	return spent, err
}

// recoveryCodesLeft counts the user's unused codes.
func (s *Service) recoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	n, err := s.store.IDB().NewSelect().Model((*recoveryCode)(nil)).
		Where("user_id = ?", userID).Where("used_at IS NULL").Count(ctx)
	return int(n), store.MapError(err)
}
