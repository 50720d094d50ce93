//go:build wasm

package main

import (
	"github.com/authkit/authkit/app"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// main is the browser half of the program: it registers the same routes
// the server prerenders, the modules' included, and hands control to go-app.
func main() {
	app.Routes(appModules...)
	goapp.RunWhenOnBrowser()
}
