package app

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Form is the state of one form: what is typed in each field, the message
// beside each field, the notice above the form and whether its request is
// in flight. Its fields render with Input and TextArea, which keep value
// and error current as people type; Page.Submit sends it.
//
// A button that sends a request on its own (Log out, Delete) uses a Form
// without fields, for its notice and its busy state.
type Form struct {
	Notice Notice // news of the last sending: why it failed, or that it worked
	Busy   bool   // a request is in flight

	fields   []string // in the order focus visits them
	idPrefix string   // before each field's name in its input's id
	values   map[string]string
	errs     map[string]string
	revealed map[string]bool // password fields showing their characters
	typed    map[string]bool // fields last changed by typing (Bind), not by the page (Set, Reset)
}

// NewForm returns an empty form with these fields, in the order focus
// visits them. Fields are named as the request's JSON fields, so the
// server's field errors land beside them; each input's id is its name.
func NewForm(fields ...string) Form { return Form{fields: fields} }

// WithIDPrefix gives the form's inputs the ids prefix+name, for a second
// form with the same fields on one page ("edit-title" in the notes editor).
func (f Form) WithIDPrefix(prefix string) Form {
	f.idPrefix = prefix
	return f
}

// Value is what is typed in the field.
func (f *Form) Value(name string) string { return f.values[name] }

// Set puts value in the field, where it shows at the next render.
func (f *Form) Set(name, value string) {
	if f.values == nil {
		f.values = map[string]string{}
	}
	f.values[name] = value
	delete(f.typed, name)
}

// Err is the message beside the field; "" when there is none.
func (f *Form) Err(name string) string { return f.errs[name] }

// Errs are the messages beside the fields, by field name.
func (f *Form) Errs() map[string]string { return maps.Clone(f.errs) }

// Reset starts the form afresh with these values (nil for none): no
// messages, no notice, every password hidden.
func (f *Form) Reset(values map[string]string) {
	f.values, f.errs, f.revealed, f.typed, f.Notice = maps.Clone(values), nil, nil, nil, Notice{}
}

// Bind is the input handler of a field: it keeps what is typed, and drops
// the field's message, which no longer describes what is there.
func (f *Form) Bind(name string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		f.Set(name, inputValue(ctx))
		if f.typed == nil {
			f.typed = map[string]bool{}
		}
		f.typed[name] = true
		delete(f.errs, name)
	}
}

// shown is the value the input of a field renders with. go-app renders
// at its next frame, and writes an input's value when it differs from the
// last one rendered; an input event is handled when it comes, reading the
// box. So when a frame falls between a keystroke and the handling of its
// input event (a slow phone, a busy machine), the box is ahead of
// f.values, and rendering f.values would write the older text back over
// what was just typed, losing the keystroke. A field the person is typing
// in renders with what its box holds now; one the page set (Set, Reset)
// renders with that.
func (f *Form) shown(name string) string {
	if f.typed[name] {
		if v, ok := boxValue(f.idPrefix + name); ok {
			return v
		}
	}
	return f.values[name]
}

// Input renders a field of the form with its value, its message and its
// input handler (Bind), and the show/hide toggle of a revealable password.
func (f *Form) Input(field Field) app.UI {
	in := input{
		Field:   field,
		id:      f.idPrefix + field.Name,
		value:   f.shown(field.Name),
		err:     f.Err(field.Name),
		scope:   f.scope(field.Name),
		onInput: f.Bind(field.Name),
	}
	if field.Revealable {
		in.revealed = f.revealed[field.Name]
		in.onReveal = func(ctx app.Context, e app.Event) { f.toggleReveal(field.Name) }
	}
	return in.render()
}

// TextArea renders a multi-line field of the form, as Input does.
func (f *Form) TextArea(area TextArea) app.UI {
	return textArea{
		TextArea: area,
		id:       f.idPrefix + area.Name,
		value:    f.Value(area.Name),
		err:      f.Err(area.Name),
		scope:    f.scope(area.Name),
		onInput:  f.Bind(area.Name),
	}.render()
}

// scope tells this form's field apart from every other form's, for the
// event handlers of its input (see input.scope).
func (f *Form) scope(name string) string { return fmt.Sprintf("%p/%s", f, name) }

func (f *Form) toggleReveal(name string) {
	if f.revealed == nil {
		f.revealed = map[string]bool{}
	}
	f.revealed[name] = !f.revealed[name]
}

// Submission is one sending of a form: the request's rule, the request
// itself and what its answer does. Page.Submit runs it.
type Submission[T any] struct {
	Form *Form

	// Validate checks the request with its shared rule, the one the server
	// applies; nil when there is nothing to check.
	Validate func() error
	// Send makes the request, off the UI goroutine.
	Send func(ctx context.Context) (T, error)
	// Done applies a success, on the UI goroutine; optional.
	Done func(ctx app.Context, answer T)
	// Failed may handle an error itself (a session that is over, a note
	// deleted meanwhile) and report true; the form places the others.
	// Optional.
	Failed func(ctx app.Context, err error) bool
}

// Submitter is a Submission of any answer type, as Page.Submit takes it.
type Submitter interface {
	submit(p *Page, ctx app.Context)
}

// Submit sends a form, the one lifecycle every form of the app goes
// through: the browser does not send the form itself; a form already
// sending ignores the new try; the request is checked with its shared rule
// first, and when that fails the messages go beside their fields (placed
// as the server's would be), focus goes to the first of them (WCAG 3.3.1)
// and nothing is sent; otherwise the request runs in the background while
// the form is busy. Its answer is then applied by Settle, and focus goes
// to the first field the server found wrong. e may be the zero Event, for
// a sending started by code rather than by the form.
func (p *Page) Submit(ctx app.Context, e app.Event, s Submitter) {
	if e.Value != nil {
		e.PreventDefault()
	}
	s.submit(p, ctx)
}

func (s Submission[T]) submit(p *Page, ctx app.Context) {
	f := s.Form
	if f.Busy {
		return
	}
	if s.Validate != nil {
		if err := s.Validate(); err != nil {
			f.errs, f.Notice = formErrors(err, f.fields)
			p.focusFirstError(f)
			return
		}
	}
	f.Busy, f.errs, f.Notice = true, nil, Notice{}
	p.Background(ctx, func() func(app.Context) {
		answer, err := s.Send(ctx)
		return func(ctx app.Context) {
			s.Settle(ctx, answer, err)
			p.focusFirstError(f)
		}
	})
}

// Settle applies a request's answer to the form: it is no longer busy,
// whatever the answer, so no spinner outlives its request; a success goes
// to Done; an error goes to Failed, then, unless Failed handled it, beside
// the fields it names and into the notice (see formErrors). Submit calls
// it when the answer is back; tests call it to play an answer.
func (s Submission[T]) Settle(ctx app.Context, answer T, err error) {
	f := s.Form
	f.Busy = false
	switch {
	case err == nil:
		if s.Done != nil {
			s.Done(ctx, answer)
		}
	case s.Failed != nil && s.Failed(ctx, err):
	default:
		f.errs, f.Notice = formErrors(err, f.fields)
	}
}

// focusFirstError focuses the first field of f, in form order, that has a
// message.
func (p *Page) focusFirstError(f *Form) {
	for _, name := range f.fields {
		if f.errs[name] != "" {
			p.Focus(f.idPrefix + name)
			return
		}
	}
}

// formErrors places an API error: field messages beside the fields the
// form has (validation_failed; email_taken on email; wrong_password on
// current_password), anything else in the form's notice.
func formErrors(err error, fields []string) (map[string]string, Notice) {
	var apiErr *shared.Error
	if !errors.As(err, &apiErr) {
		return nil, ErrorNotice(err)
	}
	byField := maps.Clone(apiErr.Fields)
	if byField == nil {
		byField = map[string]string{}
	}
	// These codes concern one field even when the server names none.
	if field := map[shared.Code]string{
		shared.CodeEmailTaken:    "email",
		shared.CodeWrongPassword: "current_password",
	}[apiErr.Code]; field != "" && len(apiErr.Fields) == 0 {
		byField[field] = apiErr.Message
	}
	placed := map[string]string{}
	for _, name := range fields {
		if msg, ok := byField[name]; ok {
			placed[name] = msg
			delete(byField, name)
		}
	}
	if len(placed) == 0 || len(byField) > 0 {
		return placed, ErrorNotice(err)
	}
	return placed, Notice{}
}

// fieldErrors turns the error of a request type's Validate method into
// messages by field.
func fieldErrors(err error) map[string]string {
	var apiErr *shared.Error
	if errors.As(err, &apiErr) {
		return apiErr.Fields
	}
	return nil
}

// inputValue reads the value of the input an event came from.
func inputValue(ctx app.Context) string { return ctx.JSSrc().Get("value").String() }

// boxValue reads the value of the input with id on the page; false when
// there is no page (the server's prerender, native tests) or no such
// input yet.
func boxValue(id string) (string, bool) {
	if app.IsServer {
		return "", false
	}
	el := app.Window().GetElementByID(id)
	if !el.Truthy() {
		return "", false
	}
	return el.Get("value").String(), true
}
