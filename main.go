//go:build !wasm

// Command authkit is the auth server: it serves the API, the WebAssembly
// app and its assets from one binary, and carries the admin commands
// (migrate, createsuperuser, flush-expired, keys, openapi). It exits 2
// for bad usage and 1 for other failures (cli.ExitCode). main_wasm.go is
// the same program's browser half.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/authkit/authkit/server/account"
	"github.com/authkit/authkit/server/cli"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/notes"
	"github.com/authkit/authkit/server/passkeys"
	"github.com/authkit/authkit/server/sso"
	"github.com/authkit/authkit/server/totp"
)

// modules are the features mounted beside the kit's own routes, one line
// each: a module brings its tables, its routes and their OpenAPI entries.
// Delete a line (and the module's package) to drop a feature.
var modules = []httpapi.Module{
	notes.Module{},
	account.Module{},  // email change, deletion, data export, security activity: app/account
	&sso.Module{},     // sign in with a company's OpenID Connect provider, Google or GitHub (flags --oidc-*, --google-*, --github-*)
	totp.Module{},     // two-factor authentication with an authenticator app: server/totp
	passkeys.Module{}, // passkeys (WebAuthn), for passwordless sign-in: server/passkeys
}

// version is set at build time (-ldflags "-X main.version=…"). It names the
// release to browsers, so their service worker fetches a new app.wasm
// exactly when the server changes.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal starts the graceful shutdown; stop then gives the
	// signals back their default action, so a second one ends the process
	// at once instead of waiting for the requests in flight.
	context.AfterFunc(ctx, stop)
	env := cli.Env{
		Args:    os.Args[1:],
		Getenv:  os.Getenv,
		Environ: os.Environ,
		Stdin:   os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Version: version,
		Modules: modules,
		Pages:   appModules,
	}
	if err := cli.Run(ctx, env); err != nil {
		fmt.Fprintln(os.Stderr, "authkit:", err)
		os.Exit(cli.ExitCode(err)) // 2 for bad usage, 1 for other failures
	}
}
