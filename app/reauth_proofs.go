package app

// What the re-authentication dialog sends: the password or code it asks
// for, or a module's proof, and what it does with the answer.

import (
	"context"
	"strings"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// done closes the dialog once the server has taken a proof, and runs the
// action again.
func (r *Reauth) done(ctx app.Context) {
	retry := r.retry
	r.close()
	if retry != nil {
		retry(ctx)
	}
}

// prove sends a module's proof, one proof at a time.
func (r *Reauth) prove(p *Page, ctx app.Context, e app.Event, opt ReauthOption) {
	if r.busy() {
		return
	}
	r.proving, r.form.Notice = opt.Name, Notice{}
	p.Submit(ctx, e, r.proveWith(p, opt))
}

// proveWith is the submission of a module's proof. A failure shows in
// the dialog's notice (it has no field to sit beside), and focus goes
// back to the option's button.
func (r *Reauth) proveWith(p *Page, opt ReauthOption) Submission[struct{}] {
	return Submission[struct{}]{
		Form: &r.proof,
		Send: func(ctx context.Context) (struct{}, error) { return struct{}{}, opt.Prove(ctx) },
		Done: func(ctx app.Context, _ struct{}) { r.done(ctx) },
		Failed: func(ctx app.Context, err error) bool {
			if r.sessionEnded(ctx, err) {
				return true
			}
			r.proof.Notice = ErrorNotice(err)
			p.Focus(r.optionID(opt))
			return true
		},
	}
}

func (r *Reauth) submit(p *Page, api *Client, ctx app.Context, e app.Event) {
	if r.proof.Busy { // a module's proof is on its way
		if e.Value != nil {
			e.PreventDefault()
		}
		return
	}
	r.proof.Notice = Notice{}
	req := shared.ReauthRequest{Password: r.form.Value("password")}
	if r.code {
		req = shared.ReauthRequest{Code: r.form.Value("code")}
	}
	p.Submit(ctx, e, r.check(api, req))
}

// check is the submission of the password or code.
func (r *Reauth) check(api *Client, req shared.ReauthRequest) Submission[struct{}] {
	return Submission[struct{}]{
		Form: &r.form,
		Validate: func() error {
			if r.code && strings.TrimSpace(req.Code) == "" {
				return shared.FieldErrors{"code": "Enter the code."}.Err()
			}
			return req.Validate()
		},
		Send:   func(ctx context.Context) (struct{}, error) { return struct{}{}, api.Reauthenticate(ctx, req) },
		Done:   func(ctx app.Context, _ struct{}) { r.done(ctx) },
		Failed: r.sessionEnded,
	}
}

// sessionEnded closes the dialog and leads to the login form, which comes
// back to the page, when err says the session is over: no password or
// code can help then, and the dialog would only say the session ended,
// with nowhere to go from it.
func (r *Reauth) sessionEnded(ctx app.Context, err error) bool {
	if r.page == nil || !r.page.SessionEnded(ctx, err) {
		return false
	}
	r.close()
	return true
}
