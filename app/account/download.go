package account

import goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

// saveFile hands data to the browser as a download named name: a Blob
// behind a temporary link that is clicked, then let go.
func saveFile(name, mediaType string, data []byte) {
	if goapp.IsServer {
		return
	}
	w := goapp.Window()
	blob := w.Get("Blob").New([]any{string(data)}, map[string]any{"type": mediaType})
	href := w.Get("URL").Call("createObjectURL", blob)
	doc := w.Get("document")
	a := doc.Call("createElement", "a")
	a.Set("href", href)
	a.Set("download", name)
	a.Get("style").Set("display", "none")
	doc.Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	// The click starts the download at once; the URL can go after.
	var revoke goapp.Func
	revoke = goapp.FuncOf(func(goapp.Value, []goapp.Value) any {
		w.Get("URL").Call("revokeObjectURL", href)
		revoke.Release()
		return nil
	})
	w.Call("setTimeout", revoke, 10_000)
}
