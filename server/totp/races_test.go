package totp_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/authkit/authkit/server/httpapi/apitest"
	authtotp "github.com/authkit/authkit/server/totp"
	"github.com/authkit/authkit/shared"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// Ann replaces her authenticator app (her old phone is gone) while
// whoever holds the old phone and her password is at the second step:
// their code matched the old secret as it was read, and the new app is
// turned on before the write that accepts the code. That write asked only
// for a later time step than the last one accepted, so the old phone's
// code signed in after its app was replaced. It must be refused.
func TestTOTP_ACodeOfAnAppReplacedMeanwhileSignsNoOneIn(t *testing.T) {
	ts := newServer(t)
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	oldSecret, _ := enable(t, ts, ann)
	var replacement sharedtotp.SetupResponse
	ann.Do("POST", "/api/me/totp/setup", nil).Decode(t, &replacement)
	token := mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")

	oldCode := nextCode(t, ts, oldSecret)
	// The new app's code for the step before (within the drift allowed),
	// so the step the enable stores does not by itself refuse the old one.
	newCode, err := totp.GenerateCode(replacement.Secret, ts.Now().Add(-30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	var enabled apitest.Response
	authtotp.OnCodeMatched(t, func(step string) {
		if step == "verify" {
			once.Do(func() {
				enabled = ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: newCode})
			})
		}
	})
	r := ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: oldCode})
	enabled.ExpectStatus(t, http.StatusOK)
	r.ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCode)
}

// Turning the app on checks the code against the pending secret it read;
// on PostgreSQL, whose transactions run side by side, a second setup (a
// second tab, a double click) can replace that secret before the write
// that turns it on. That write copied whatever was pending, a secret no
// code had confirmed, and the app Ann had confirmed then failed at every
// login. The enable now turns on only the secret it checked, or asks for
// the setup again; the second setup stays pending, for its own code.
func TestTOTP_EnableTurnsOnOnlyTheSecretItChecked(t *testing.T) {
	ts := newServer(t)
	if !ts.Store.IsPostgres() {
		t.Skip("on SQLite a setup waits for the enable's transaction to end")
	}
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	var first sharedtotp.SetupResponse
	ann.Do("POST", "/api/me/totp/setup", nil).Decode(t, &first)
	code := nextCode(t, ts, first.Secret)

	var once sync.Once
	var second apitest.Response
	authtotp.OnCodeMatched(t, func(step string) {
		if step == "enable" {
			once.Do(func() { second = ann.Do("POST", "/api/me/totp/setup", nil) })
		}
	})
	ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: code}).
		ExpectError(t, http.StatusBadRequest, shared.CodeInvalidCode)
	second.ExpectStatus(t, http.StatusOK)
	var replacement sharedtotp.SetupResponse
	second.Decode(t, &replacement)
	ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: nextCode(t, ts, replacement.Secret)}).
		ExpectStatus(t, http.StatusOK)
	token := mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
	ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: nextCode(t, ts, replacement.Secret)}).
		ExpectStatus(t, http.StatusOK)
}
