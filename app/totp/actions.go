package totp

import (
	"context"

	"github.com/authkit/authkit/app"
	sharedtotp "github.com/authkit/authkit/shared/totp"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The section's actions. Each sensitive one runs through failed, which
// opens the re-authentication dialog on reauth_required and runs the
// action again once the person has confirmed it's them.

// failed handles what the form cannot place itself: a session that needs
// re-authentication (retry runs after it), or one that is over, which
// leads to the login form (and back).
func (s *section) failed(retry func(goapp.Context)) func(goapp.Context, error) bool {
	return func(ctx goapp.Context, err error) bool {
		return s.reauth.Ask(&s.SignedInPage, err, retry) || s.SessionEnded(ctx, err)
	}
}

// act notes which button runs, unless another's request is under way:
// the buttons share one busy state (s.action), and Submit then sends
// nothing, so the spinner stays on the button whose request runs.
func (s *section) act(which string) {
	if !s.action.Busy {
		s.acting = which
	}
}

func (s *section) onSetup(ctx goapp.Context, e goapp.Event) {
	s.act("setup")
	s.Submit(ctx, e, app.Submission[sharedtotp.SetupResponse]{
		Form: &s.action,
		Send: s.calls.setup,
		Done: func(ctx goapp.Context, setup sharedtotp.SetupResponse) {
			s.pending = &setup
			s.form.Reset(nil)
			s.Focus("totp-code")
		},
		Failed: s.failed(func(ctx goapp.Context) { s.onSetup(ctx, goapp.Event{}) }),
	})
}

func (s *section) onCancelSetup(ctx goapp.Context, e goapp.Event) {
	s.pending = nil
	s.form.Reset(nil)
	s.Focus("totp-setup")
}

func (s *section) onEnable(ctx goapp.Context, e goapp.Event) {
	req := sharedtotp.EnableRequest{Code: s.form.Value("code")}
	s.Submit(ctx, e, app.Submission[[]string]{
		Form:     &s.form,
		Validate: req.Validate,
		Send:     func(ctx context.Context) ([]string, error) { return s.calls.enable(ctx, req) },
		Done: func(ctx goapp.Context, codes []string) {
			s.pending, s.codes = nil, codes
			app.HoldReload(recoveryCodesShown, true)
			s.status = &sharedtotp.StatusResponse{Enabled: true, RecoveryCodesLeft: len(codes)}
			s.action.Notice = app.SuccessNotice("Two-factor authentication is on.")
			if s.User != nil {
				s.User.TOTPEnabled = true
			}
			s.Focus("copy-codes")
		},
		// The code stays in the form, so it is sent again once the
		// person has confirmed it's them (a setup left open past the
		// re-authentication window).
		Failed: s.failed(func(ctx goapp.Context) { s.onEnable(ctx, goapp.Event{}) }),
	})
}

// recoveryCodesShown holds off a new release's reload while recovery
// codes, shown only once, are on the page (app.HoldReload).
const recoveryCodesShown = "totp-recovery-codes"

func (s *section) onCodesSaved(ctx goapp.Context, e goapp.Event) {
	s.codes = nil
	app.HoldReload(recoveryCodesShown, false)
	s.action.Notice = app.Notice{}
	s.Focus("new-recovery-codes")
}

func (s *section) onNewCodes(ctx goapp.Context, e goapp.Event) {
	s.act("codes")
	s.Submit(ctx, e, app.Submission[[]string]{
		Form: &s.action,
		Send: s.calls.newRecoveryCodes,
		Done: func(ctx goapp.Context, codes []string) {
			s.codes = codes
			app.HoldReload(recoveryCodesShown, true)
			s.status.RecoveryCodesLeft = len(codes)
			s.action.Notice = app.SuccessNotice("New recovery codes made; the old ones no longer work.")
			s.Focus("copy-codes")
		},
		Failed: s.failed(func(ctx goapp.Context) { s.onNewCodes(ctx, goapp.Event{}) }),
	})
}

func (s *section) onAskTurnOff(ctx goapp.Context, e goapp.Event) {
	s.turnOff = true
	s.action.Notice = app.Notice{}
	s.Focus("totp-off-cancel")
}

// onCancelTurnOff closes the confirmation, on Cancel or Escape; not while
// it runs, so its spinner and outcome stay.
func (s *section) onCancelTurnOff(ctx goapp.Context, e goapp.Event) {
	if s.busy("off") {
		return
	}
	s.turnOff = false
	s.Focus("totp-disable")
}

func (s *section) onTurnOff(ctx goapp.Context, e goapp.Event) {
	s.act("off")
	s.Submit(ctx, e, app.Submission[struct{}]{
		Form: &s.action,
		Send: func(ctx context.Context) (struct{}, error) { return struct{}{}, s.calls.disable(ctx) },
		Done: func(ctx goapp.Context, _ struct{}) {
			s.turnOff = false
			s.status = &sharedtotp.StatusResponse{}
			s.action.Notice = app.SuccessNotice("Two-factor authentication is off.")
			if s.User != nil {
				s.User.TOTPEnabled = false
			}
			s.Focus("totp-setup")
		},
		Failed: s.failed(func(ctx goapp.Context) { s.onTurnOff(ctx, goapp.Event{}) }),
	})
}
