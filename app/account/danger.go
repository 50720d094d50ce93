package account

import (
	"context"
	"time"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/shared"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// deleteFields are the deletion form's fields, in focus order.
var deleteFields = []string{"confirmation", "current_password"}

// dangerCard is the profile's danger zone: download everything the server
// keeps about the account, and delete the account, after typing a
// sentence and the password. An account without a password (made by a
// sign-in provider) types only the sentence: the server then asks for a
// recent sign-in, and the re-authentication dialog gets one.
type dangerCard struct {
	card
	calls    client
	download app.Form // the download button's notice and busy state
	deletion app.Form
	reauth   app.Reauth
}

func newDangerCard(api *app.Client) *dangerCard {
	return &dangerCard{card: app.NewCard(api, "/profile"), calls: client{api},
		deletion: app.NewForm(deleteFields...).WithIDPrefix("delete-"), reauth: app.NewReauth("delete-reauth")}
}

func (c *dangerCard) OnMount(ctx goapp.Context) {
	c.card.OnMount(ctx)
	c.Load(ctx, nil)
}

func (c *dangerCard) Render() goapp.UI {
	if c.User == nil {
		return goapp.Div()
	}
	return goapp.Section().Class("card danger-zone").Aria("labelledby", "danger-heading").Body(
		goapp.H2().ID("danger-heading").Text("Your data and your account"),
		goapp.H3().Text("Download my data"),
		goapp.P().Class("muted").Text("A JSON file with your account, your sessions, your security activity and your data in every part of the site."),
		c.download.Notice.Render("download-notice"),
		app.ActionButton("button", "button", "Download my data", "Preparing…", c.download.Busy, c.onDownload).ID("download-data"),
		goapp.H3().Text("Delete my account"),
		goapp.P().Class("muted").Text("This deletes your account and all its data for good, and signs you out everywhere. It cannot be undone."),
		c.deletion.Notice.Render("delete-notice"),
		goapp.Form().ID("delete-form").NoValidate(true).OnSubmit(c.onDelete).Body(
			c.deletion.Input(app.Field{Name: "confirmation", Label: "Type “" + shared.DeleteConfirmation + "” to confirm",
				Kind: "text", Autocomplete: "off"}),
			goapp.If(c.User.HasPassword, func() goapp.UI {
				return c.deletion.Input(app.Field{Name: "current_password", Label: "Current password", Kind: "password",
					Autocomplete: "current-password", Revealable: true})
			}),
			app.ActionButton("submit", "button danger", "Delete my account", "Deleting…", c.deletion.Busy, nil).ID("delete-account"),
		),
		c.reauth.Render(&c.Page, c.API, c.User),
	)
}

// onDownload fetches the export and hands it to the browser as a file.
// The request goes through the client, which refreshes an expired session
// first; a plain link could not.
func (c *dangerCard) onDownload(ctx goapp.Context, e goapp.Event) {
	c.Submit(ctx, e, app.Submission[[]byte]{
		Form: &c.download,
		Send: c.calls.export,
		Done: func(_ goapp.Context, data []byte) {
			saveFile("authkit-data-"+time.Now().Format("2006-01-02")+".json", "application/json", data)
			c.download.Notice = app.SuccessNotice("Your data has been downloaded.")
		},
		Failed: c.SessionEnded,
	})
}

// checkDeletion is the rule the form applies before sending: the typed
// sentence, and the password of an account that has one (the server
// checks it). Without a password the server asks for a recent sign-in
// instead.
func checkDeletion(confirmation string, hasPassword bool, req shared.DeleteAccountRequest) error {
	var f shared.FieldErrors
	if confirmation != shared.DeleteConfirmation {
		f.Add("confirmation", "Type “"+shared.DeleteConfirmation+"” exactly, to show you mean it.")
	}
	if hasPassword && req.CurrentPassword == "" {
		f.Add("current_password", "Enter your current password.")
	}
	return f.Err()
}

func (c *dangerCard) onDelete(ctx goapp.Context, e goapp.Event) {
	hasPassword := c.User != nil && c.User.HasPassword
	req := shared.DeleteAccountRequest{}
	if hasPassword {
		req.CurrentPassword = c.deletion.Value("current_password")
	}
	confirmation := c.deletion.Value("confirmation")
	c.Submit(ctx, e, app.Submission[struct{}]{
		Form:     &c.deletion,
		Validate: func() error { return checkDeletion(confirmation, hasPassword, req) },
		Send:     func(ctx context.Context) (struct{}, error) { return struct{}{}, c.calls.deleteAccount(ctx, req) },
		Done: func(goapp.Context, struct{}) {
			c.User = nil
			c.deletion.Reset(nil)
			app.Redirect("/goodbye") // no way back to a profile that is gone
		},
		Failed: func(ctx goapp.Context, err error) bool {
			retry := func(ctx goapp.Context) { c.onDelete(ctx, goapp.Event{}) }
			return c.reauth.Ask(&c.SignedInPage, err, retry) || c.SessionEnded(ctx, err)
		},
	})
}
