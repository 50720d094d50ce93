package app

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The pieces pages are built from: notices, fields, buttons and the
// placeholders of a page that is loading. Pages hold state and behaviour;
// these hold how things look, so a restyle happens in one place.

// Notice is a message about the last action.
type Notice struct {
	Kind string // "error" or "success"; "" shows nothing
	Text string
}

// ErrorNotice says why an action failed, in words a person can act on.
func ErrorNotice(err error) Notice { return Notice{Kind: "error", Text: describeError(err)} }

// SuccessNotice says that an action worked.
func SuccessNotice(text string) Notice { return Notice{Kind: "success", Text: text} }

// Render shows the notice with role="alert", so screen readers announce
// it as it appears. The empty slot keeps the element tree stable.
func (n Notice) Render(id string) app.UI {
	if n.Kind == "" {
		return app.Div().ID(id).Class("notice-slot")
	}
	return app.Div().ID(id).Class("notice-slot").Body(
		app.Div().Class("notice", n.Kind).Role("alert").Text(n.Text),
	)
}

// Field describes one labelled input of a Form (Form.Input renders it).
// Its input's id is its name (after the form's id prefix), so the server's
// field errors (keyed by JSON name) and browser tests find it by the same
// word; its error is id-error and its hint id-hint.
type Field struct {
	Name         string // the request's JSON field: "email", "current_password"…
	Label        string
	Kind         string // input type: text, email, password, search, number, tel or url
	Autocomplete string
	Hint         app.UI // shown under the input until an error replaces it; optional
	Revealable   bool   // a password with a show/hide toggle
	InputMode    string // the on-screen keyboard to offer ("numeric" for codes); optional
}

// input is a Field as it stands in its form.
type input struct {
	Field
	id, value, err string
	// scope names the form and field the handlers belong to: go-app
	// compares handlers by their function's code, the same for every
	// field's Bind, so without it an input reused for another field (the
	// login's password step becoming its code step) would keep feeding
	// the old field.
	scope    string
	onInput  app.EventHandler
	onReveal app.EventHandler
	revealed bool
}

func (f input) render() app.UI {
	kind := f.Kind
	if f.Kind == "password" && f.revealed {
		kind = "text"
	}
	in := app.Input().
		ID(f.id).
		Name(f.id).
		Type(kind).
		Value(f.value).
		Attr("autocomplete", f.Autocomplete).
		OnInput(f.onInput, app.EventScope(f.scope))
	if f.Kind == "email" {
		in = in.Spellcheck(false).Attr("autocapitalize", "none")
	}
	if f.InputMode != "" {
		in = in.Attr("inputmode", f.InputMode).Spellcheck(false).Attr("autocapitalize", "none")
	}
	var describedBy []string
	if f.err != "" {
		in = in.Aria("invalid", "true")
		describedBy = append(describedBy, f.id+"-error")
	}
	if f.Hint != nil && f.err == "" {
		describedBy = append(describedBy, f.id+"-hint")
	}
	if len(describedBy) > 0 {
		in = in.Aria("describedby", strings.Join(describedBy, " "))
	}

	control := app.UI(in)
	if f.onReveal != nil {
		label := "Show"
		if f.revealed {
			label = "Hide"
		}
		control = app.Div().Class("input-with-button").Body(
			in,
			app.Button().
				Type("button").
				ID(f.id+"-toggle").
				Class("button-quiet reveal").
				Aria("controls", f.id).
				Aria("pressed", f.revealed).
				Aria("label", label+" password").
				Text(label).
				OnClick(f.onReveal, app.EventScope(f.scope)),
		)
	}

	return app.Div().Class("field").Body(
		app.Label().For(f.id).Text(f.Label),
		control,
		// An error replaces the hint: it says the same thing, more urgently.
		app.If(f.Hint != nil && f.err == "", func() app.UI {
			return app.Div().ID(f.id + "-hint").Class("field-hint").Body(f.Hint)
		}),
		fieldError(f.id, f.err),
	)
}

// TextArea describes a labelled multi-line input of a Form, the twin of
// Field with the same ids (Form.TextArea renders it).
type TextArea struct {
	Name  string
	Label string
}

type textArea struct {
	TextArea
	id, value, err string
	scope          string // see input
	onInput        app.EventHandler
}

func (f textArea) render() app.UI {
	in := app.Textarea().ID(f.id).Name(f.id).Rows(4).Text(f.value).OnInput(f.onInput, app.EventScope(f.scope))
	if f.err != "" {
		in = in.Aria("invalid", "true").Aria("describedby", f.id+"-error")
	}
	return app.Div().Class("field").Body(
		app.Label().For(f.id).Text(f.Label),
		in,
		fieldError(f.id, f.err),
	)
}

// fieldError is the message under the input with id, when there is one.
func fieldError(id, err string) app.UI {
	return app.If(err != "", func() app.UI {
		return app.P().ID(id + "-error").Class("field-error").Text(err)
	})
}

// SubmitButton is a form's main button. While busy it is disabled and
// shows a spinner and busyLabel ("Saving…").
func SubmitButton(label, busyLabel string, busy bool) app.UI {
	return ActionButton("submit", "button primary", label, busyLabel, busy, nil)
}

// ActionButton is a button of the given type and class with the busy
// behaviour of SubmitButton. A busy button is aria-disabled, not
// disabled: a browser takes focus away from a button that becomes
// disabled (Chromium leaves it on the body), so the person who pressed it
// would lose their place, and hear nothing of the answer that follows.
// Its click still arrives, and the handlers ignore it while their request
// runs (Page.Submit does), so it sends nothing twice.
func ActionButton(kind, class, label, busyLabel string, busy bool, onClick app.EventHandler, opts ...app.EventOption) app.HTMLButton {
	b := app.Button().Type(kind).Class(class)
	if onClick != nil {
		b = b.OnClick(onClick, opts...)
	}
	if !busy {
		return b.Text(label)
	}
	return b.Aria("disabled", "true").Aria("busy", "true").Body(
		app.Span().Class("spinner").Aria("hidden", "true"),
		app.Span().Text(busyLabel),
	)
}

// Loading is the placeholder while a page waits for its data.
func Loading(text string) app.UI {
	return app.Div().Class("loading").Role("status").Body(
		app.Span().Class("spinner").Aria("hidden", "true"),
		app.Span().Text(text),
	)
}

// LoadFailed shows why a page, or a part of it, could not load, with a
// way to try again: the button with id, which each part names after
// itself ("sessions-retry"), since several may fail on one page and ids
// must be unique in it.
func LoadFailed(id string, err error, retry app.EventHandler) app.UI {
	return app.Div().Class("card").Body(
		app.Div().Class("notice", "error").Role("alert").Text(describeError(err)),
		app.Button().Type("button").ID(id).Class("button").Text("Try again").OnClick(retry),
	)
}

// ConfirmEmailFirst stands in for the controls that add a credential (a
// passkey, an authenticator app, a connected account) while the user's
// email address is unconfirmed: the server refuses them until then, so
// that whoever signed up with someone else's address cannot plant one.
// what names the credential: "add a passkey".
func ConfirmEmailFirst(id, what string) app.UI {
	return app.P().ID(id).Class("muted").Text("To " + what + ", first confirm your email address: open the link we mailed you (Account, above, can send a new one), then reload this page.")
}
