package app

import (
	"errors"
	"maps"
	"strings"

	"github.com/authkit/authkit/shared"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The pieces every page is built from: the page base, the site chrome,
// notices, form fields and buttons, and the navigation helpers. Pages hold
// state and behaviour; this file holds how things look, so a restyle
// happens in one place.

// basePage is embedded by every page instead of app.Compo.
type basePage struct {
	app.Compo
	self app.Context // a context whose source is the page itself
}

// OnMount keeps a context whose source is the page itself, for background
// to apply results through: go-app drops a dispatch whose source element
// has left the page, and a request started by a button (Retry, Confirm)
// often outlives the button.
func (b *basePage) OnMount(ctx app.Context) { b.self = ctx }

// OnAppUpdate reloads the page once the service worker has fetched a new
// release, so nobody keeps running an app.wasm older than the server.
func (b *basePage) OnAppUpdate(ctx app.Context) { ctx.Reload() }

// background runs work off the UI goroutine (network calls block), then
// applies the function it returns to the page on the UI goroutine.
func (b *basePage) background(ctx app.Context, work func() func(app.Context)) {
	self := b.self
	if self.Src() == nil { // not mounted through OnMount (native tests)
		self = ctx
	}
	ctx.Async(func() { self.Dispatch(work()) })
}

// clearInputs empties the inputs with these ids once the page has
// updated. Setting their state to "" is not enough: go-app v10.1.11 drops an
// empty value attribute (attributes.Set compares the value, not the name,
// with "value") and then only calls removeAttribute, which leaves what was
// typed in the box.
func (b *basePage) clearInputs(ids ...string) {
	if b.self.Src() == nil { // not mounted (native tests)
		return
	}
	b.self.Defer(func(app.Context) {
		for _, id := range ids {
			if el := app.Window().GetElementByID(id); el.Truthy() {
				el.Set("value", "")
			}
		}
	})
}

// chrome is the frame around a page's content: a skip link, the header with
// the navigation that suits who is signed in, and the main landmark.
type chrome struct {
	path  string       // the page's route, marked as the current nav link
	user  *shared.User // who is signed in; nil when nobody is or not known yet
	known bool         // whether the page has heard from the server who is signed in
	wide  bool         // for tables: let the content use a wide screen
}

func (c chrome) render(content ...app.UI) app.UI {
	return app.Div().Class("shell", wide(c.wide)).Body(
		app.A().Class("skip-link").Href("#main").Text("Skip to content"),
		app.Header().Class("site-header").Body(
			app.Div().Class("site-header-inner").Body(
				// The logo is drawn by the stylesheet: it is decoration,
				// and the link's text already names the site.
				app.A().Class("brand").Href("/").Text("authkit"),
				app.Nav().Class("site-nav").Aria("label", "Main").Body(c.links()...),
			),
		),
		app.Main().ID("main").Class("container").TabIndex(-1).Body(content...),
		app.Footer().Class("site-footer").Body(
			app.P().Text("authkit: accounts, sessions and an admin, in one Go binary."),
		),
	)
}

func wide(on bool) string {
	if on {
		return "wide"
	}
	return ""
}

func (c chrome) links() []app.UI {
	switch {
	case !c.known:
		return nil
	case c.user == nil:
		return []app.UI{c.link("/login", "Log in"), c.link("/register", "Create account")}
	case c.user.IsStaff:
		return []app.UI{c.link("/profile", "Profile"), c.link("/notes", "Notes"), c.link("/admin", "Admin")}
	default:
		return []app.UI{c.link("/profile", "Profile"), c.link("/notes", "Notes")}
	}
}

func (c chrome) link(href, label string) app.UI {
	a := app.A().Href(href).Text(label)
	if c.path == href {
		a = a.Aria("current", "page")
	}
	return a
}

// notice is a message about the last action: an error, or a success.
type notice struct {
	kind string // "error" or "success"; "" shows nothing
	text string
}

func errorNotice(err error) notice     { return notice{kind: "error", text: describeError(err)} }
func successNotice(text string) notice { return notice{kind: "success", text: text} }

// render shows the notice with role="alert", so screen readers announce
// it as it appears. The empty slot keeps the element tree stable.
func (n notice) render(id string) app.UI {
	if n.kind == "" {
		return app.Div().ID(id).Class("notice-slot")
	}
	return app.Div().ID(id).Class("notice-slot").Body(
		app.Div().Class("notice", n.kind).Role("alert").Text(n.text),
	)
}

// describeError is the sentence a person sees for err.
func describeError(err error) string {
	var apiErr *shared.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrUnreachable):
		return "Could not reach the server. Check your connection and try again."
	case errors.As(err, &apiErr) && apiErr.Message != "":
		return apiErr.Message
	default:
		return "Something went wrong. Try again."
	}
}

// formErrors places an API error: field messages beside the fields the
// form has (validation_failed; email_taken on email; wrong_password on
// current_password), anything else in the form's notice.
func formErrors(err error, fields []string) (map[string]string, notice) {
	var apiErr *shared.Error
	if !errors.As(err, &apiErr) {
		return nil, errorNotice(err)
	}
	byField := maps.Clone(apiErr.Fields)
	if byField == nil {
		byField = map[string]string{}
	}
	// These codes concern one field even when the server names none.
	if field := map[shared.Code]string{
		shared.CodeEmailTaken:    "email",
		shared.CodeWrongPassword: "current_password",
	}[apiErr.Code]; field != "" && byField[field] == "" {
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
		return placed, errorNotice(err)
	}
	return placed, notice{}
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

// field is one labelled input with room for an error and a hint. Its name
// is also its id, so server field errors (keyed by JSON name) and browser
// tests find it by the same word.
type field struct {
	name         string // id and name: "email", "current_password"…
	label        string
	kind         string // input type: text, email, password, search
	autocomplete string
	value        string
	err          string
	hint         app.UI // shown under the input; optional
	onInput      app.EventHandler

	// Password fields with onReveal get a show/hide toggle; revealed
	// shows the characters.
	onReveal app.EventHandler
	revealed bool
}

func (f field) render() app.UI {
	kind := f.kind
	if f.kind == "password" && f.revealed {
		kind = "text"
	}
	input := app.Input().
		ID(f.name).
		Name(f.name).
		Type(kind).
		Value(f.value).
		Attr("autocomplete", f.autocomplete).
		OnInput(f.onInput)
	if f.kind == "email" {
		input = input.Spellcheck(false).Attr("autocapitalize", "none")
	}
	var describedBy []string
	if f.err != "" {
		input = input.Aria("invalid", "true")
		describedBy = append(describedBy, f.name+"-error")
	}
	if f.hint != nil && f.err == "" {
		describedBy = append(describedBy, f.name+"-hint")
	}
	if len(describedBy) > 0 {
		input = input.Aria("describedby", strings.Join(describedBy, " "))
	}

	control := app.UI(input)
	if f.onReveal != nil {
		label := "Show"
		if f.revealed {
			label = "Hide"
		}
		control = app.Div().Class("input-with-button").Body(
			input,
			app.Button().
				Type("button").
				ID(f.name+"-toggle").
				Class("button-quiet reveal").
				Aria("controls", f.name).
				Aria("pressed", f.revealed).
				Aria("label", label+" password").
				Text(label).
				OnClick(f.onReveal),
		)
	}

	return app.Div().Class("field").Body(
		app.Label().For(f.name).Text(f.label),
		control,
		// An error replaces the hint: it says the same thing, more urgently.
		app.If(f.hint != nil && f.err == "", func() app.UI {
			return app.Div().ID(f.name + "-hint").Class("field-hint").Body(f.hint)
		}),
		app.If(f.err != "", func() app.UI {
			return app.P().ID(f.name + "-error").Class("field-error").Text(f.err)
		}),
	)
}

// submitButton is a form's main button. While busy it is disabled and
// shows a spinner and busyLabel ("Saving…"). The disabled attribute is set
// only when true: go-app prerenders Disabled(false) as disabled="false",
// which browsers read as disabled.
func submitButton(label, busyLabel string, busy bool) app.UI {
	return actionButton("submit", "button primary", label, busyLabel, busy, nil)
}

// actionButton is a button with the same busy behaviour as submitButton.
func actionButton(kind, class, label, busyLabel string, busy bool, onClick app.EventHandler, opts ...app.EventOption) app.HTMLButton {
	b := app.Button().Type(kind).Class(class)
	if onClick != nil {
		b = b.OnClick(onClick, opts...)
	}
	if !busy {
		return b.Text(label)
	}
	return b.Disabled(true).Aria("busy", "true").Body(
		app.Span().Class("spinner").Aria("hidden", "true"),
		app.Span().Text(busyLabel),
	)
}

// loading is the placeholder while a page waits for its data.
func loading(text string) app.UI {
	return app.Div().Class("loading").Role("status").Body(
		app.Span().Class("spinner").Aria("hidden", "true"),
		app.Span().Text(text),
	)
}

// loadFailed shows why a page could not load, with a way to try again.
func loadFailed(err error, retry app.EventHandler) app.UI {
	return app.Div().Class("card").Body(
		app.Div().Class("notice", "error").Role("alert").Text(describeError(err)),
		app.Button().Type("button").ID("retry").Class("button").Text("Try again").OnClick(retry),
	)
}

// inputValue reads the value of the input an event came from.
func inputValue(ctx app.Context) string { return ctx.JSSrc().Get("value").String() }

// focus moves keyboard focus to the element with id once the current
// update has reached the page.
func (b *basePage) focus(id string) {
	if b.self.Src() == nil {
		return
	}
	b.self.Defer(func(app.Context) {
		if el := app.Window().GetElementByID(id); el.Truthy() {
			el.Call("focus")
		}
	})
}

// focusFirstError focuses the first field, in form order, that has an
// error (WCAG 3.3.1).
func (b *basePage) focusFirstError(order []string, errs map[string]string) {
	for _, name := range order {
		if errs[name] != "" {
			b.focus(name)
			return
		}
	}
}
