package totp_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/authkit/authkit/server/account"
	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/server/mail/mailtest"
	authtotp "github.com/authkit/authkit/server/totp"
	"github.com/authkit/authkit/shared"
	sharedtotp "github.com/authkit/authkit/shared/totp"
)

// The authenticator-app module through the real API (apitest): setting
// it up, the login's second step in both flows, recovery codes, replays,
// the mfa_token's limits and re-authentication. Each test runs on SQLite,
// and on PostgreSQL under AUTHKIT_TEST_DB=postgres.

const annEmail = "ann@example.com"

func newServer(t *testing.T, opts ...apitest.Option) *apitest.Server {
	return apitest.NewServer(t, append([]apitest.Option{apitest.WithModules(authtotp.Module{})}, opts...)...)
}

// nextCode moves the server's clock to the next 30-second step and
// returns the secret's code for it: a step after any code used before,
// so the replay guard does not refuse it.
func nextCode(t *testing.T, ts *apitest.Server, secret string) string {
	t.Helper()
	ts.Advance(30 * time.Second)
	code, err := totp.GenerateCode(secret, ts.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enable turns the app on for a signed-in browser and returns the secret
// and the recovery codes.
func enable(t *testing.T, ts *apitest.Server, b *apitest.Client) (string, []string) {
	t.Helper()
	var setup sharedtotp.SetupResponse
	r := b.Do("POST", "/api/me/totp/setup", nil)
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &setup)
	var codes sharedtotp.RecoveryCodesResponse
	r = b.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: nextCode(t, ts, setup.Secret)})
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &codes)
	return setup.Secret, codes.RecoveryCodes
}

// mfaRequired logs in with the password and checks the answer is the
// second step, with no cookie and the methods; it returns the token.
func mfaRequired(t *testing.T, r apitest.Response, methods ...string) string {
	t.Helper()
	r.ExpectError(t, http.StatusUnauthorized, shared.CodeMFARequired)
	var body shared.ErrorBody
	r.Decode(t, &body)
	if body.MFAToken == "" || !slices.Equal(body.Methods, methods) {
		t.Fatalf("mfa_token %q, methods %v; want a token and %v", body.MFAToken, body.Methods, methods)
	}
	if c := r.Header.Values("Set-Cookie"); len(c) != 0 {
		t.Fatalf("mfa_required set cookies: %v", c)
	}
	return body.MFAToken
}

func TestTOTP_SetupEnableAndLoginWithACode(t *testing.T) {
	ts := newServer(t)
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()

	var setup sharedtotp.SetupResponse
	r := ann.Do("POST", "/api/me/totp/setup", nil)
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &setup)
	if len(setup.Secret) < 32 || !strings.HasPrefix(setup.OTPAuthURI, "otpauth://totp/authkit:ann@example.com?") ||
		!strings.HasPrefix(setup.QRCode, "data:image/svg+xml;base64,") {
		t.Fatalf("setup = %+v", setup)
	}
	// Pending: logins still need the password only.
	var me shared.UserResponse
	ann.Do("GET", "/api/me", nil).Decode(t, &me)
	if me.User.TOTPEnabled {
		t.Fatal("totp_enabled before enable")
	}

	e := ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: "000000"}).
		ExpectError(t, http.StatusBadRequest, shared.CodeInvalidCode)
	if e.Fields["code"] == "" {
		t.Fatalf("a wrong code has no fields.code: %+v", e)
	}
	ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: "12"}).
		ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)

	var codes sharedtotp.RecoveryCodesResponse
	r = ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: nextCode(t, ts, setup.Secret)})
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &codes)
	if len(codes.RecoveryCodes) != 10 || len(shared.NormalizeCode(codes.RecoveryCodes[0])) != 16 {
		t.Fatalf("recovery codes = %v", codes.RecoveryCodes)
	}
	ann.Do("GET", "/api/me", nil).Decode(t, &me)
	if !me.User.TOTPEnabled || me.User.HasPasskeys {
		t.Fatalf("after enable: %+v", me.User)
	}

	// The next login asks for a code, and a right one signs in.
	phone := ts.Browser()
	token := mfaRequired(t, phone.Login(annEmail, apitest.Password), "totp", "recovery_code")
	if phone.Cookie(shared.HostCookiePrefix+shared.AccessCookie) != "" {
		t.Fatal("an access cookie after the password step")
	}
	phone.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: "000000"}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCode)
	code := nextCode(t, ts, setup.Secret)
	r = phone.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: code[:3] + " " + code[3:]})
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &me)
	if me.User.Email != annEmail {
		t.Fatalf("user = %+v", me.User)
	}
	var sessions shared.SessionsResponse
	phone.Do("GET", "/api/me/sessions", nil).Decode(t, &sessions)
	methods := map[string]string{}
	for _, s := range sessions.Sessions {
		methods[map[bool]string{true: "this", false: "other"}[s.Current]] = s.AuthMethod
	}
	if methods["this"] != "password+totp" || methods["other"] != "password" {
		t.Fatalf("session methods = %v", methods)
	}

	// The token is spent.
	phone.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: nextCode(t, ts, setup.Secret)}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
}

func TestTOTP_ReplayedCodeIsRefused(t *testing.T) {
	ts := newServer(t)
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	secret, _ := enable(t, ts, ann)

	code := nextCode(t, ts, secret)
	first := mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
	ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: first, Code: code}).ExpectStatus(t, http.StatusOK)

	second := mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
	ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: second, Code: code}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCode)
	// Nor does the code of the step before the one used pass.
	earlier, _ := totp.GenerateCode(secret, ts.Now().Add(-30*time.Second))
	ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: second, Code: earlier}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCode)
}

func TestTOTP_TokenFlow(t *testing.T) {
	ts := newServer(t)
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	secret, _ := enable(t, ts, ann)

	api := ts.TokenClient()
	token := mfaRequired(t, api.Do("POST", "/api/token", shared.LoginRequest{Email: annEmail, Password: apitest.Password}), "totp", "recovery_code")
	api.Do("POST", "/api/token/mfa", shared.MFALoginRequest{MFAToken: token, Code: "123456"}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCode)
	var pair shared.TokenPair
	r := api.Do("POST", "/api/token/mfa", shared.MFALoginRequest{MFAToken: token, Code: nextCode(t, ts, secret)})
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &pair)
	api.Do("GET", "/api/me", nil, apitest.Bearer(pair.Access)...).ExpectStatus(t, http.StatusOK)
	if c := r.Header.Values("Set-Cookie"); len(c) != 0 {
		t.Fatalf("the token flow set cookies: %v", c)
	}
	// A wrong password still answers as before: nothing about a second step.
	api.Do("POST", "/api/token", shared.LoginRequest{Email: annEmail, Password: "wrong password"}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCredentials)
}

func TestTOTP_RecoveryCodeWorksOnce(t *testing.T) {
	ts := newServer(t)
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	_, codes := enable(t, ts, ann)

	token := mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
	b := ts.Browser()
	// People may type it in capitals and without the hyphens.
	b.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: strings.ToUpper(strings.ReplaceAll(codes[3], "-", ""))}).
		ExpectStatus(t, http.StatusOK)
	var sessions shared.SessionsResponse
	b.Do("GET", "/api/me/sessions", nil).Decode(t, &sessions)
	if sessions.Sessions[0].AuthMethod != "password+recovery_code" {
		t.Fatalf("auth_method = %q", sessions.Sessions[0].AuthMethod)
	}
	var st sharedtotp.StatusResponse
	ann.Do("GET", "/api/me/totp", nil).Decode(t, &st)
	if !st.Enabled || st.RecoveryCodesLeft != 9 {
		t.Fatalf("status = %+v", st)
	}

	token = mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
	ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: codes[3]}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCode)

	// New codes replace the old ones.
	var fresh sharedtotp.RecoveryCodesResponse
	r := ann.Do("POST", "/api/me/recovery-codes", nil)
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &fresh)
	ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: codes[4]}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCode)
	ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: fresh.RecoveryCodes[0]}).
		ExpectStatus(t, http.StatusOK)
}

func TestTOTP_MFATokenExpiresAfterFiveMinutes(t *testing.T) {
	ts := newServer(t)
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	secret, _ := enable(t, ts, ann)

	token := mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
	ts.Advance(5*time.Minute - 30*time.Second)
	code := nextCode(t, ts, secret) // now 5 minutes and a moment later
	ts.Advance(time.Second)
	ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: code}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
}

func TestTOTP_MFATokenDiesAfterFiveWrongCodes(t *testing.T) {
	ts := newServer(t)
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	secret, _ := enable(t, ts, ann)

	token := mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
	b := ts.Browser()
	for i := range 5 {
		b.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: "00000" + string(rune('0'+i))}).
			ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCode)
	}
	b.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: nextCode(t, ts, secret)}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	b.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: "made-up", Code: "123456"}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
}

func TestTOTP_CodeChecksAreThrottledPerAccount(t *testing.T) {
	ts := newServer(t, apitest.WithConfig(func(c *auth.Config) { c.LoginThrottle = 3 }))
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	secret, _ := enable(t, ts, ann)

	// Three wrong codes over two tokens spend the account's allowance...
	for _, wrong := range []string{"000001", "000002", "000003"} {
		token := mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
		ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: wrong}).
			ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCode)
	}
	// ...so even a right one waits.
	token := mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
	r := ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: nextCode(t, ts, secret)})
	r.ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

// A code the throttle refuses is not checked, so it does not count
// against the login's attempts either: once the throttle has room again,
// the same login completes.
func TestTOTP_ThrottledCodesSpendNoAttempt(t *testing.T) {
	ts := newServer(t, apitest.WithConfig(func(c *auth.Config) { c.LoginThrottle = 15 })) // one back a minute
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	secret, _ := enable(t, ts, ann)

	// Fifteen wrong codes, five per login, empty the account's allowance.
	var token string
	for i := range 15 {
		if i%auth.MFAMaxAttempts == 0 {
			token = mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
		}
		ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: fmt.Sprintf("%06d", 100000+i)}).
			ExpectError(t, http.StatusUnauthorized, shared.CodeInvalidCode)
	}
	// A new login's right code is refused more often than it has attempts...
	token = mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
	b, code := ts.Browser(), nextCode(t, ts, secret)
	for range auth.MFAMaxAttempts + 1 {
		b.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: code}).
			ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)
	}
	// ...and completes once the throttle has room.
	ts.Advance(time.Minute + time.Second)
	b.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: nextCode(t, ts, secret)}).
		ExpectStatus(t, http.StatusOK)
}

func TestTOTP_SensitiveActionsNeedARecentSession(t *testing.T) {
	ts := newServer(t)
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	secret, codes := enable(t, ts, ann)

	// Past the window (10 minutes); the refresh keeps the session but not
	// its recency.
	ts.Advance(11 * time.Minute)
	ann.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	for _, path := range []string{"/api/me/totp/setup", "/api/me/totp/disable", "/api/me/recovery-codes"} {
		ann.Do("POST", path, nil).ExpectError(t, http.StatusForbidden, shared.CodeReauthRequired)
	}
	ann.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "another long passphrase"}).
		ExpectError(t, http.StatusForbidden, shared.CodeReauthRequired)

	e := ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: "not my password"}).
		ExpectError(t, http.StatusBadRequest, shared.CodeWrongPassword)
	if e.Fields["password"] == "" {
		t.Fatalf("no fields.password: %+v", e)
	}
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Code: "000000"}).
		ExpectError(t, http.StatusBadRequest, shared.CodeInvalidCode)
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{}).ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password, Code: "123456"}).
		ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)

	// A code makes the session recent again, for 10 minutes.
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Code: nextCode(t, ts, secret)}).ExpectStatus(t, http.StatusNoContent)
	ann.Do("POST", "/api/me/recovery-codes", nil).ExpectStatus(t, http.StatusOK)
	ts.Advance(10*time.Minute + time.Second)
	ann.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	ann.Do("POST", "/api/me/totp/disable", nil).ExpectError(t, http.StatusForbidden, shared.CodeReauthRequired)

	// So does the password; the old recovery codes were replaced.
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Code: codes[0]}).ExpectError(t, http.StatusBadRequest, shared.CodeInvalidCode)
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
	ann.Do("POST", "/api/me/totp/disable", nil).ExpectStatus(t, http.StatusNoContent)

	// Off: the password alone signs in again.
	ts.Browser().Login(annEmail, apitest.Password).ExpectStatus(t, http.StatusOK)
	var me shared.UserResponse
	ann.Do("GET", "/api/me", nil).Decode(t, &me)
	if me.User.TOTPEnabled {
		t.Fatalf("after disable: %+v", me.User)
	}
}

func TestTOTP_EnableNeedsARecentSession(t *testing.T) {
	ts := newServer(t)
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	var setup sharedtotp.SetupResponse
	ann.Do("POST", "/api/me/totp/setup", nil).Decode(t, &setup)

	// A setup left open past the window (10 minutes) needs the password,
	// or a stolen session could turn two-factor on and lock the owner out.
	ts.Advance(11 * time.Minute)
	ann.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: nextCode(t, ts, setup.Secret)}).
		ExpectError(t, http.StatusForbidden, shared.CodeReauthRequired)
	var me shared.UserResponse
	ann.Do("GET", "/api/me", nil).Decode(t, &me)
	if me.User.TOTPEnabled {
		t.Fatal("totp_enabled without a recent session")
	}

	// The pending secret waits: after re-authenticating, its code works.
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
	ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: nextCode(t, ts, setup.Secret)}).ExpectStatus(t, http.StatusOK)
}

func TestTOTP_EnableCodesAreThrottledPerAccount(t *testing.T) {
	ts := newServer(t, apitest.WithConfig(func(c *auth.Config) { c.LoginThrottle = 3 }))
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	var setup sharedtotp.SetupResponse
	ann.Do("POST", "/api/me/totp/setup", nil).Decode(t, &setup)

	for _, wrong := range []string{"000001", "000002", "000003"} {
		ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: wrong}).
			ExpectError(t, http.StatusBadRequest, shared.CodeInvalidCode)
	}
	// The account's allowance is spent: even the right code waits, and so
	// does the password, which shares it.
	r := ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: nextCode(t, ts, setup.Secret)})
	r.ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password}).
		ExpectError(t, http.StatusTooManyRequests, shared.CodeRateLimited)

	// After the window (15 minutes), the code of the still pending secret
	// works, once the session is recent again.
	ts.Advance(15 * time.Minute)
	ann.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
	ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: nextCode(t, ts, setup.Secret)}).ExpectStatus(t, http.StatusOK)
}

func TestTOTP_ChangesAreInTheActivity(t *testing.T) {
	ts := newServer(t, apitest.WithModules(account.Module{}))
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	secret, _ := enable(t, ts, ann)
	ann.Do("POST", "/api/me/recovery-codes", nil).ExpectStatus(t, http.StatusOK)
	ts.Advance(11 * time.Minute)
	ann.Do("POST", "/api/auth/refresh", nil).ExpectStatus(t, http.StatusOK)
	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Code: nextCode(t, ts, secret)}).ExpectStatus(t, http.StatusNoContent)
	ann.Do("POST", "/api/me/totp/disable", nil).ExpectStatus(t, http.StatusNoContent)
	ann.Do("POST", "/api/me/totp/disable", nil).ExpectStatus(t, http.StatusNoContent) // already off: nothing to record

	events := ann.Activity("")
	want := []shared.EventType{
		sharedtotp.EventTOTPDisabled, shared.EventReauthenticated, sharedtotp.EventRecoveryCodesRenewed,
		sharedtotp.EventTOTPEnabled, shared.EventEmailConfirmed, shared.EventAccountCreated,
	}
	if got := apitest.EventTypes(events); !slices.Equal(got, want) {
		t.Fatalf("activity = %v,\nwant %v", got, want)
	}
	if m := events[1].Detail[shared.DetailMethod]; m != "totp" {
		t.Errorf("reauthenticated by %q, want totp", m)
	}
	for _, e := range events[:4] {
		if e.Describe() == "" || e.IP != "127.0.0.1" {
			t.Errorf("event %+v lacks its phrase or client", e)
		}
	}
}

func TestTOTP_SecretIsStoredEncryptedWithAKeyEncryptionKey(t *testing.T) {
	kek := make([]byte, 32)
	for i := range kek {
		kek[i] = byte(i)
	}
	ts := newServer(t, apitest.WithConfig(func(c *auth.Config) { c.KeyEncryptionKey = kek }))
	ann := ts.Browser()
	u := ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	secret, _ := enable(t, ts, ann)

	var stored []byte
	if err := ts.Store.DB().NewSelect().Table("totp_secrets").Column("secret").Where("user_id = ?", u.ID).
		Scan(t.Context(), &stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(stored), "AKS1") || strings.Contains(string(stored), secret) {
		t.Fatalf("the secret is stored in the clear: %q", stored)
	}
	// And it still works.
	token := mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
	ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: nextCode(t, ts, secret)}).
		ExpectStatus(t, http.StatusOK)
}

func TestTOTP_SuperuserResetsSecondFactors(t *testing.T) {
	ts := newServer(t)
	admin := ts.Browser()
	root := admin.Register("root@example.com", "Root")
	admin.ConfirmEmail()
	ts.MakeStaff(root.ID, true)
	staff := ts.Browser()
	mod := staff.Register("mod@example.com", "Mod")
	staff.ConfirmEmail()
	ts.MakeStaff(mod.ID, false)

	ann := ts.Browser()
	u := ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	enable(t, ts, ann)

	staff.Do("POST", "/api/admin/users/"+u.ID+"/reset-factors", nil).ExpectError(t, http.StatusForbidden, shared.CodeForbidden)
	admin.Do("POST", "/api/admin/users/made-up/reset-factors", nil).ExpectError(t, http.StatusNotFound, shared.CodeNotFound)
	var reset shared.UserResponse
	r := admin.Do("POST", "/api/admin/users/"+u.ID+"/reset-factors", nil)
	r.ExpectStatus(t, http.StatusOK)
	r.Decode(t, &reset)
	if reset.User.TOTPEnabled || reset.User.HasPasskeys {
		t.Fatalf("after reset: %+v", reset.User)
	}
	ann.Do("GET", "/api/me", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	ts.Browser().Login(annEmail, apitest.Password).ExpectStatus(t, http.StatusOK)

	// The reset is in the audit of admin actions, with who did it.
	var audit shared.AuditResponse
	admin.Do("GET", "/api/admin/events?staff_actions=true&user_id="+u.ID, nil).Decode(t, &audit)
	if len(audit.Events) != 1 || audit.Events[0].Type != shared.EventFactorsReset ||
		audit.Events[0].ActorEmail != "root@example.com" || audit.Events[0].UserEmail != annEmail {
		t.Fatalf("audit = %+v", audit.Events)
	}
}

func TestTOTP_TurningItOnAndOffIsMailed(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newServer(t, apitest.WithMail(smtp.URL()))
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	smtp.Wait(t, 0, 10*time.Second) // the confirmation link
	enable(t, ts, ann)
	if got := smtp.Wait(t, 1, 10*time.Second).Subject(); got != "Two-factor authentication was turned on" {
		t.Fatalf("subject = %q", got)
	}
	ann.Do("POST", "/api/me/totp/disable", nil).ExpectStatus(t, http.StatusNoContent)
	m := smtp.Wait(t, 2, 10*time.Second)
	if m.Subject() != "Two-factor authentication was turned off" || !strings.Contains(m.Part("text/plain"), "https://app.example.com/profile") {
		t.Fatalf("mail = %q: %s", m.Subject(), m.Part("text/plain"))
	}
}

// oidcLike is a login method as another module builds one (an OIDC
// callback): it identifies the user its own way, then signs them in with
// API.SignIn, which asks for the second factor when they have one.
func oidcLike() httpapi.Module {
	return httpapi.NewModule("oidclike", func(k *httpapi.Kit) ([]httpapi.Route, error) {
		return []httpapi.Route{{
			Pattern: "POST /api/test/callback", Name: "testCallback", Summary: "A stand-in for an OIDC callback",
			Request: shared.PasswordResetRequest{}, Errors: []shared.Code{shared.CodeMFARequired},
			Handler: func(w http.ResponseWriter, r *http.Request) error {
				req, err := httpapi.Decode[shared.PasswordResetRequest](w, r)
				if err != nil {
					return err
				}
				u, err := k.Auth.Accounts.UserByEmail(r.Context(), req.Email)
				if err != nil {
					return err
				}
				ch, err := k.API.SignIn(w, r, u, "oidc")
				if err != nil {
					return err
				}
				if ch != nil {
					k.API.WriteMFARequired(w, r, ch)
					return nil
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			},
		}}, nil
	})
}

func TestTOTP_OtherLoginMethodsAskForTheSecondFactorThroughSignIn(t *testing.T) {
	ts := newServer(t, apitest.WithModules(oidcLike()))
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	callback := shared.PasswordResetRequest{Email: annEmail}

	// Without a second factor, SignIn starts the session at once.
	b := ts.Browser()
	b.Do("POST", "/api/test/callback", callback).ExpectStatus(t, http.StatusNoContent)
	var sessions shared.SessionsResponse
	b.Do("GET", "/api/me/sessions", nil).Decode(t, &sessions)
	if sessions.Sessions[0].AuthMethod != "oidc" || !sessions.Sessions[0].Current {
		t.Fatalf("session = %+v", sessions.Sessions[0])
	}

	// With one, it answers the challenge, without cookies, and the
	// login's second step finishes it.
	secret, _ := enable(t, ts, ann)
	c := ts.Browser()
	token := mfaRequired(t, c.Do("POST", "/api/test/callback", callback), "totp", "recovery_code")
	c.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: nextCode(t, ts, secret)}).ExpectStatus(t, http.StatusOK)
	c.Do("GET", "/api/me/sessions", nil).Decode(t, &sessions)
	for _, s := range sessions.Sessions {
		if s.Current && s.AuthMethod != "oidc+totp" {
			t.Fatalf("session = %+v", s)
		}
	}
}

// resetPassword asks for a reset link for email, as someone who only has
// the mailbox, and sets password with it.
func resetPassword(t *testing.T, ts *apitest.Server, smtp *mailtest.Server, mailsBefore int, email, password string) {
	t.Helper()
	ts.Browser().Do("POST", "/api/auth/password-reset", shared.PasswordResetRequest{Email: email}).ExpectStatus(t, http.StatusAccepted)
	m := smtp.Wait(t, mailsBefore, 10*time.Second)
	if m.Subject() != "Reset your password" {
		t.Fatalf("mail %d is %q", mailsBefore, m.Subject())
	}
	_, token := m.Link(t)
	ts.TokenClient().Do("POST", "/api/auth/password-reset/confirm", shared.PasswordResetConfirmRequest{Token: token, NewPassword: password}).
		ExpectStatus(t, http.StatusNoContent)
}

// TestTOTP_AnUnconfirmedAccountCannotTurnItOn: someone who signs up with
// another person's address cannot plant an app of their own, to keep the
// account after its owner takes it back (pre-hijacking): turning it on
// needs the address confirmed.
func TestTOTP_AnUnconfirmedAccountCannotTurnItOn(t *testing.T) {
	ts := newServer(t)
	squatter := ts.Browser()
	squatter.Register(annEmail, "Not Ann")
	squatter.Do("POST", "/api/me/totp/setup", nil).ExpectError(t, http.StatusForbidden, shared.CodeEmailUnverified)
	squatter.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: "123456"}).ExpectError(t, http.StatusForbidden, shared.CodeEmailUnverified)
	var status sharedtotp.StatusResponse
	squatter.Do("GET", "/api/me/totp", nil).Decode(t, &status)
	if status.Enabled {
		t.Fatalf("status = %+v", status)
	}
}

// TestTOTP_AResetOfAnUnconfirmedAccountRemovesItsSecondFactor: an account
// whose address is not confirmed but has an app (one from before turning
// it on needed a confirmed address) is taken back by its owner with a
// reset link. The reset proves the mailbox, so the app goes, and the
// owner is not asked for a code of someone else's phone.
func TestTOTP_AResetOfAnUnconfirmedAccountRemovesItsSecondFactor(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newServer(t, apitest.WithMail(smtp.URL()))
	squatter := ts.Browser()
	squatted := squatter.Register(annEmail, "Not Ann")
	smtp.Wait(t, 0, 10*time.Second) // the confirmation link, to Ann
	squatter.ConfirmEmail()
	enable(t, ts, squatter)
	smtp.Wait(t, 1, 10*time.Second) // "turned on"
	ts.Unconfirm(squatted.ID)

	resetPassword(t, ts, smtp, 2, annEmail, "ann's own passphrase")
	ann := ts.Browser()
	ann.Login(annEmail, "ann's own passphrase").ExpectStatus(t, http.StatusOK)
	var status sharedtotp.StatusResponse
	ann.Do("GET", "/api/me/totp", nil).Decode(t, &status)
	var me shared.UserResponse
	ann.Do("GET", "/api/me", nil).Decode(t, &me)
	if status.Enabled || me.User.TOTPEnabled || !me.User.EmailVerified {
		t.Fatalf("after the reset: totp %+v, user %+v", status, me.User)
	}
	squatter.Do("GET", "/api/me", nil).ExpectError(t, 401, shared.CodeNotAuthenticated)
}

// TestTOTP_AResetOfAConfirmedAccountKeepsItsSecondFactor: the owner, who
// confirmed the address, keeps the app through a reset; the next login
// still asks for a code.
func TestTOTP_AResetOfAConfirmedAccountKeepsItsSecondFactor(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newServer(t, apitest.WithMail(smtp.URL()))
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	_, token := smtp.Wait(t, 0, 10*time.Second).Link(t)
	ts.TokenClient().Do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: token}).ExpectStatus(t, http.StatusOK)
	enable(t, ts, ann)
	smtp.Wait(t, 1, 10*time.Second) // "turned on"

	resetPassword(t, ts, smtp, 2, annEmail, "ann's new passphrase")
	mfaRequired(t, ts.Browser().Login(annEmail, "ann's new passphrase"), "totp", "recovery_code")
}

// TestTOTP_ASessionEndedElsewhereAddsNoCredential: another server ends
// Ann's sessions (a password reset there, here written straight to the
// database), which this server's session cache learns of only within
// --session-cache-ttl. Reads go on until then; adding a credential does
// not: it checks the session in the database.
func TestTOTP_ASessionEndedElsewhereAddsNoCredential(t *testing.T) {
	ts := newServer(t)
	ann := ts.Browser()
	account := ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	ann.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK) // the session is in the cache

	if _, err := ts.Store.RevokeUserSessions(t.Context(), account.ID, "", ts.Now()); err != nil {
		t.Fatal(err)
	}
	ann.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK) // from the cache
	ann.Do("POST", "/api/me/totp/setup", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	ann.Do("GET", "/api/me", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated) // the cache learnt it
}

// TestTOTP_APasswordChangeEndsLoginsWaitingForACode: an intruder who
// knows Ann's password has got as far as the second step (an mfa_token)
// when Ann changes her password. The token was the old password's proof:
// it must die with it, or a code the intruder gets hold of within the
// token's 5 minutes (a phished one, a glance at the phone) still signs
// them in with a password that no longer works.
func TestTOTP_APasswordChangeEndsLoginsWaitingForACode(t *testing.T) {
	ts := newServer(t)
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	secret, _ := enable(t, ts, ann)

	intruder := ts.Browser()
	token := mfaRequired(t, intruder.Login(annEmail, apitest.Password), "totp", "recovery_code")
	ann.Do("POST", "/api/me/password", shared.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "ann's new passphrase"}).
		ExpectStatus(t, http.StatusNoContent)

	intruder.Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: nextCode(t, ts, secret)}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	intruder.Do("GET", "/api/me", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
}

// TestTOTP_AResetEndsLoginsWaitingForACode: likewise for a password
// reset, which ends every session: a login that had passed the old
// password's step must not finish afterwards, in either flow.
func TestTOTP_AResetEndsLoginsWaitingForACode(t *testing.T) {
	smtp := mailtest.Start(t)
	ts := newServer(t, apitest.WithMail(smtp.URL()))
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	_, token := smtp.Wait(t, 0, 10*time.Second).Link(t)
	ts.TokenClient().Do("POST", "/api/auth/verify-email", shared.VerifyEmailRequest{Token: token}).ExpectStatus(t, http.StatusOK)
	secret, _ := enable(t, ts, ann)
	smtp.Wait(t, 1, 10*time.Second) // "turned on"

	browserToken := mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
	apiToken := mfaRequired(t, ts.TokenClient().Do("POST", "/api/token", shared.LoginRequest{Email: annEmail, Password: apitest.Password}), "totp", "recovery_code")
	resetPassword(t, ts, smtp, 2, annEmail, "ann's new passphrase")

	ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: browserToken, Code: nextCode(t, ts, secret)}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	ts.TokenClient().Do("POST", "/api/token/mfa", shared.MFALoginRequest{MFAToken: apiToken, Code: nextCode(t, ts, secret)}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
}

// TestTOTP_ASecondEnableSpendsNoGuess: a double click on "Turn on" sends
// the right code twice; the second finds the setup already done. Neither
// is a wrong guess, so neither may count against the account's throttle
// (here an allowance of one): before, the second spent it, and Ann's next
// password check was refused as rate_limited.
func TestTOTP_ASecondEnableSpendsNoGuess(t *testing.T) {
	ts := newServer(t, apitest.WithConfig(func(c *auth.Config) { c.LoginThrottle = 1 }))
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	var setup sharedtotp.SetupResponse
	ann.Do("POST", "/api/me/totp/setup", nil).Decode(t, &setup)
	code := nextCode(t, ts, setup.Secret)
	ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: code}).ExpectStatus(t, http.StatusOK)
	ann.Do("POST", "/api/me/totp/enable", sharedtotp.EnableRequest{Code: code}).
		ExpectError(t, http.StatusBadRequest, shared.CodeInvalidCode)

	ann.Do("POST", "/api/auth/reauth", shared.ReauthRequest{Password: apitest.Password}).ExpectStatus(t, http.StatusNoContent)
}

// TestTOTP_ASessionEndedElsewhereCannotTurnTheAppOff: Ann resets her
// password on another server, which ends every session, the intruder's
// too; this server's session cache learns of it only within
// --session-cache-ttl. Meanwhile the intruder's session must not turn
// Ann's second factor off: disabling checks the session in the database,
// as adding a credential does.
func TestTOTP_ASessionEndedElsewhereCannotTurnTheAppOff(t *testing.T) {
	ts := newServer(t)
	intruder := ts.Browser()
	account := intruder.Register(annEmail, "Ann")
	intruder.ConfirmEmail()
	enable(t, ts, intruder)
	intruder.Do("GET", "/api/me", nil).ExpectStatus(t, http.StatusOK) // the session is in the cache

	if _, err := ts.Store.RevokeUserSessions(t.Context(), account.ID, "", ts.Now()); err != nil {
		t.Fatal(err)
	}
	intruder.Do("POST", "/api/me/totp/disable", nil).ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code") // still on
}

// A login past its password step waits for its code while staff
// deactivate the account, then reactivate it within the mfa_token's 5
// minutes: the deactivation ended that login, as it voids the links
// mailed before, so the code no longer completes it (it did, the token
// outliving the deactivation).
func TestTOTP_ADeactivationEndsTheLoginsWaitingForACode(t *testing.T) {
	ts := newServer(t)
	ann := ts.Browser()
	u := ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	secret, _ := enable(t, ts, ann)
	token := mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")

	boss := ts.Browser()
	bossUser := boss.Register("boss@example.com", "Boss")
	boss.ConfirmEmail()
	ts.MakeStaff(bossUser.ID, false)
	for _, active := range []bool{false, true} {
		boss.Do("PATCH", "/api/admin/users/"+u.ID, shared.AdminUpdateUserRequest{IsActive: &active}).ExpectStatus(t, http.StatusOK)
	}
	ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: nextCode(t, ts, secret)}).
		ExpectError(t, http.StatusUnauthorized, shared.CodeNotAuthenticated)
	// A new login goes through.
	token = mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
	ts.Browser().Do("POST", "/api/auth/login/mfa", shared.MFALoginRequest{MFAToken: token, Code: nextCode(t, ts, secret)}).
		ExpectStatus(t, http.StatusOK)
}

// A client that writes out the member it does not use as null
// ({"code":"123456","credential":null}, as JavaScript objects often are)
// is answered as if it had left it out: the code is checked (it was 400
// "a code or a passkey, not both").
func TestTOTP_ANullCredentialBesideACodeIsLeftOut(t *testing.T) {
	ts := newServer(t)
	ann := ts.Browser()
	ann.Register(annEmail, "Ann")
	ann.ConfirmEmail()
	secret, _ := enable(t, ts, ann)

	token := mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
	body := fmt.Sprintf(`{"mfa_token":%q,"code":%q,"credential":null}`, token, nextCode(t, ts, secret))
	ts.Browser().Do("POST", "/api/auth/login/mfa", body).ExpectStatus(t, http.StatusOK)
	body = fmt.Sprintf(`{"code":%q,"credential":null}`, nextCode(t, ts, secret))
	ann.Do("POST", "/api/auth/reauth", body).ExpectStatus(t, http.StatusNoContent)
	// null alone is no proof.
	token = mfaRequired(t, ts.Browser().Login(annEmail, apitest.Password), "totp", "recovery_code")
	ts.Browser().Do("POST", "/api/auth/login/mfa", fmt.Sprintf(`{"mfa_token":%q,"credential":null}`, token)).
		ExpectError(t, http.StatusBadRequest, shared.CodeValidationFailed)
}
