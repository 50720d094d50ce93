package main

import (
	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/app/account"
	"github.com/authkit/authkit/app/notes"
	"github.com/authkit/authkit/app/passkeys"
	"github.com/authkit/authkit/app/sso"
	"github.com/authkit/authkit/app/totp"
)

// appModules are the features plugged into the browser app, one line each.
// Both halves of the program read this list: the server prerenders the
// modules' pages and the wasm runs them. Deleting a feature deletes its
// line here, and its packages.
var appModules = []app.Module{
	notes.Module(),    // the private notes example: app/notes, shared/notes
	account.Module(),  // email change, activity, data download, deletion: server/account
	sso.Module(),      // sign in with a provider, and the profile's connected accounts: app/sso, shared/sso
	totp.Module(),     // two-factor authentication with an authenticator app: app/totp, shared/totp
	passkeys.Module(), // passkeys, for passwordless sign-in: app/passkeys, shared/passkeys
}
