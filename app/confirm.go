package app

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// ConfirmDialog asks before an action that cannot be undone (deactivating
// a user, deleting a note). It is an alertdialog: labelled by its title
// (or by its text when it has no title), closed by Escape as by Cancel.
// The page opens it, moves focus to Cancel so that a stray Enter does
// nothing, and closes it.
type ConfirmDialog struct {
	// ID names the dialog's parts: the panel is ID-panel, the title
	// ID-title and the text ID-text.
	ID    string
	Title string // a heading; "" when the text says it all
	Text  string
	Card  bool // drawn as a card of its own, rather than inside one

	// Notice says why the last try failed; NoticeID is its slot's id,
	// "" for a dialog that closes as soon as it is confirmed.
	Notice   Notice
	NoticeID string

	ConfirmID, ConfirmLabel, BusyLabel string
	CancelID                           string
	// Busy: the confirmed action runs; Confirm shows a spinner and Cancel
	// is disabled.
	Busy bool

	OnConfirm, OnCancel app.EventHandler
}

// Render draws the dialog.
func (d ConfirmDialog) Render() app.UI {
	panel := app.Div().ID(d.ID+"-panel").Class("confirm", card(d.Card)).Role("alertdialog")
	if d.Title != "" {
		panel = panel.Aria("labelledby", d.ID+"-title").Aria("describedby", d.ID+"-text")
	} else {
		panel = panel.Aria("labelledby", d.ID+"-text")
	}
	cancel := app.Button().Type("button").ID(d.CancelID).Class("button").DataSet("cancel", true).Text("Cancel").OnClick(d.OnCancel)
	if d.Busy {
		cancel = cancel.Disabled(true)
	}
	return panel.OnKeyDown(cancelOnEscape).Body(
		app.If(d.NoticeID != "", func() app.UI { return d.Notice.Render(d.NoticeID) }),
		app.If(d.Title != "", func() app.UI { return app.H2().ID(d.ID + "-title").Text(d.Title) }),
		app.P().ID(d.ID+"-text").Text(d.Text),
		app.Div().Class("actions").Body(
			ActionButton("button", "button danger", d.ConfirmLabel, d.BusyLabel, d.Busy, d.OnConfirm).ID(d.ConfirmID),
			cancel,
		),
	)
}

// cancelOnEscape presses the Cancel of the dialog where Escape was
// pressed. It finds that dialog in the page rather than reading a
// ConfirmDialog: go-app keeps the panel's first handler while its code is
// the same, and another dialog may since have been drawn in that panel's
// place (on the admin page, Delete on a row while a deactivation awaits
// its confirmation), whose Cancel is another. Pressing the button also
// does nothing while it is disabled (the confirmed action runs), as a
// click would.
func cancelOnEscape(_ app.Context, e app.Event) {
	if e.Get("key").String() != "Escape" {
		return
	}
	panel := e.Get("target").Call("closest", ".confirm")
	if !panel.Truthy() {
		return
	}
	if cancel := panel.Call("querySelector", "[data-cancel]"); cancel.Truthy() {
		cancel.Call("click")
	}
}

func card(on bool) string {
	if on {
		return "card"
	}
	return ""
}
