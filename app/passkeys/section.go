package passkeys

import (
	"context"
	"slices"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	sharedpasskeys "github.com/authkit/authkit/shared/passkeys"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// section is the profile's "Passkeys" card: the user's passkeys, a form
// to add one (its name is optional), and deleting one after a
// confirmation. Adding and deleting need a recent sign-in; the
// re-authentication dialog asks for it and the action runs again. Its
// base keeps User current (another card may turn on two-factor
// authentication, whose code the dialog then offers).
type section struct {
	card
	calls client

	list    []sharedpasskeys.Passkey
	loaded  bool
	loadErr error

	addForm    app.Form // the name of the passkey to add
	deletion   app.Form // the confirmation's notice and busy state
	confirming string   // id of the passkey awaiting confirmation of deletion
	reauth     app.Reauth
}

func newSection(api *app.Client) *section {
	return &section{card: app.NewCard(api, "/profile"), calls: client{api}, addForm: app.NewForm("name").WithIDPrefix("passkey-"), reauth: app.NewReauth("passkey-reauth")}
}

func (s *section) OnMount(ctx goapp.Context) {
	s.card.OnMount(ctx)
	s.load(ctx, false)
}

// load reads the passkeys; retried when the card's Try again asks (see
// app.Page.Retried).
func (s *section) load(ctx goapp.Context, retried bool) {
	s.loadErr = nil
	s.Background(ctx, func() func(goapp.Context) {
		user, err := s.API.CurrentUser(ctx)
		var list []sharedpasskeys.Passkey
		if err == nil {
			list, err = s.calls.list(ctx)
		}
		return func(goapp.Context) {
			s.User, s.list, s.loadErr, s.loaded = &user, list, err, err == nil
			if retried {
				s.Retried(err, "passkeys-retry", "passkeys-heading")
			}
		}
	})
}

func (s *section) Render() goapp.UI {
	var body goapp.UI
	switch {
	case s.loadErr != nil:
		body = app.LoadFailed("passkeys-retry", s.loadErr, func(ctx goapp.Context, e goapp.Event) { s.load(ctx, true) })
	case !s.loaded || s.User == nil: // nil too once the session is over (SessionEnded)
		body = app.Loading("Loading…")
	default:
		add := s.renderAdd()
		if !s.User.EmailVerified {
			add = app.ConfirmEmailFirst("passkey-needs-confirmed-email", "add a passkey")
		}
		body = goapp.Div().Body(s.renderList(), add)
	}
	return goapp.Section().ID("passkeys-card").Class("card").Aria("labelledby", "passkeys-heading").Body(
		goapp.H2().ID("passkeys-heading").TabIndex(-1).Text("Passkeys"),
		goapp.P().Class("muted").Text("A passkey signs you in with your fingerprint, face or device PIN instead of your password. It stays on your device (or in your password manager) and works only on this site."),
		s.deletion.Notice.Render("passkeys-notice"),
		body,
		s.reauth.Render(&s.Page, s.API, s.signedIn()),
	)
}

// signedIn is the user as loaded, with has_passkeys as the card's list
// says: adding or deleting a passkey here changes it at once, before the
// base has read the user again, and the re-authentication dialog offers a
// passkey by it.
func (s *section) signedIn() *shared.User {
	if s.User == nil {
		return nil
	}
	u := *s.User
	u.HasPasskeys = len(s.list) > 0
	return &u
}

func (s *section) renderList() goapp.UI {
	if len(s.list) == 0 {
		return goapp.P().ID("no-passkeys").Class("muted").Text("You have no passkeys yet.")
	}
	return goapp.Ul().ID("passkeys").Class("passkeys").Body(
		goapp.Range(s.list).Slice(func(i int) goapp.UI { return s.renderPasskey(s.list[i]) }),
	)
}

func (s *section) renderPasskey(k sharedpasskeys.Passkey) goapp.UI {
	used := goapp.UI(goapp.Text("never used"))
	if k.LastUsedAt != nil {
		used = goapp.Span().Body(goapp.Text("last used "), app.TimeTag(*k.LastUsedAt, app.FormatDateTime))
	}
	return goapp.Li().Class("passkey").DataSet("passkey", k.ID).Body(
		goapp.Div().Body(
			goapp.Strong().Class("passkey-name").Text(k.Name),
			goapp.Div().Class("passkey-meta").Body(
				goapp.Text("Added "), app.TimeTag(k.CreatedAt, app.FormatDateTime), goapp.Text(", "), used,
			),
		),
		goapp.If(s.confirming != k.ID, func() goapp.UI {
			return goapp.Button().Type("button").ID(deleteButtonID(k.ID)).Class("button small").Text("Delete").
				Aria("label", "Delete passkey "+k.Name).
				OnClick(func(ctx goapp.Context, e goapp.Event) { s.askDelete(k) }, goapp.EventScope(k.ID))
		}),
		goapp.If(s.confirming == k.ID, func() goapp.UI {
			return app.ConfirmDialog{
				ID: "passkey-delete", Text: "Delete the passkey " + k.Name + "? It will no longer sign you in.",
				ConfirmID: "passkey-delete-confirm", ConfirmLabel: "Delete", BusyLabel: "Deleting…", CancelID: "passkey-delete-cancel",
				Busy: s.deletion.Busy, OnConfirm: s.onDelete, OnCancel: s.onCancelDelete,
			}.Render()
		}),
	)
}

func (s *section) renderAdd() goapp.UI {
	return goapp.Form().ID("passkey-form").NoValidate(true).OnSubmit(s.onAdd).Body(
		s.addForm.Notice.Render("passkey-add-notice"),
		s.addForm.Input(app.Field{Name: "name", Label: "Name (optional)", Kind: "text", Autocomplete: "off",
			Hint: goapp.Text("Such as the device it is on: “Work laptop”.")}),
		app.SubmitButton("Add a passkey", "Waiting for your device…", s.addForm.Busy),
	)
}

func (s *section) onAdd(ctx goapp.Context, e goapp.Event) {
	req := sharedpasskeys.FinishRegistrationRequest{Name: s.addForm.Value("name"), Credential: []byte("{}")}
	s.Submit(ctx, e, app.Submission[sharedpasskeys.Passkey]{
		Form:     &s.addForm,
		Validate: req.Validate,
		Send:     func(ctx context.Context) (sharedpasskeys.Passkey, error) { return s.calls.add(ctx, req.Name) },
		Done: func(ctx goapp.Context, k sharedpasskeys.Passkey) {
			s.list = append([]sharedpasskeys.Passkey{k}, s.list...)
			s.ClearFields(&s.addForm, "name")
			s.addForm.Notice = app.SuccessNotice("Passkey “" + k.Name + "” added. You can now sign in with it.")
		},
		Failed: func(ctx goapp.Context, err error) bool {
			return s.reauth.Ask(&s.SignedInPage, err, func(ctx goapp.Context) { s.onAdd(ctx, goapp.Event{}) }) ||
				s.SessionEnded(ctx, err)
		},
	})
}

// askDelete opens the confirmation of k's deletion; not while another
// deletion runs, whose confirmation shows its spinner and outcome.
func (s *section) askDelete(k sharedpasskeys.Passkey) {
	if s.deletion.Busy {
		return
	}
	s.confirming = k.ID
	s.deletion.Notice = app.Notice{}
	s.Focus("passkey-delete-cancel")
}

// onCancelDelete closes the confirmation, on Cancel or Escape; not while
// the deletion runs, so its spinner and outcome stay. Focus goes back to
// the passkey's Delete button, which opened it.
func (s *section) onCancelDelete(ctx goapp.Context, e goapp.Event) {
	if s.deletion.Busy || s.confirming == "" {
		return
	}
	id := s.confirming
	s.confirming = ""
	s.Focus(deleteButtonID(id))
}

// onDelete deletes the passkey awaiting confirmation; a click that
// arrives once it is deleted (the second of a double click, before the
// confirmation is drawn away) has none, and sends nothing.
func (s *section) onDelete(ctx goapp.Context, e goapp.Event) {
	id := s.confirming
	if id == "" {
		return
	}
	s.Submit(ctx, e, app.Submission[struct{}]{
		Form: &s.deletion,
		Send: func(ctx context.Context) (struct{}, error) { return struct{}{}, s.calls.delete(ctx, id) },
		Done: func(goapp.Context, struct{}) {
			s.list = slices.DeleteFunc(s.list, func(k sharedpasskeys.Passkey) bool { return k.ID == id })
			s.confirming = ""
			s.deletion.Notice = app.SuccessNotice("Passkey deleted.")
			s.Focus("passkeys-heading") // the row that had it is gone
		},
		Failed: func(ctx goapp.Context, err error) bool {
			if app.HasCode(err, shared.CodeLastLoginMethod) {
				// The only way in stays: the card says why (the server's
				// words), and focus goes back to the passkey's Delete.
				s.confirming = ""
				s.deletion.Notice = app.ErrorNotice(err)
				s.Focus(deleteButtonID(id))
				return true
			}
			return s.reauth.Ask(&s.SignedInPage, err, func(ctx goapp.Context) { s.confirming = id; s.onDelete(ctx, goapp.Event{}) }) ||
				s.SessionEnded(ctx, err)
		},
	})
}

// deleteButtonID is the id of a passkey's Delete button.
func deleteButtonID(id string) string { return "delete-passkey-" + id }
