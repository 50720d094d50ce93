package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/server/store"
)

// keyEncryptionKey reads AUTHKIT_KEY_ENCRYPTION_KEY. It has no flag, so
// the key never shows up in a process listing. Spaces around it (a
// secret file's trailing newline) are not part of it. A malformed key is
// a usageError whose message does not quote it.
func keyEncryptionKey(env Env) (signing.KeyEncryptionKey, error) {
	kek, err := signing.ParseKeyEncryptionKey(strings.TrimSpace(env.Getenv("AUTHKIT_KEY_ENCRYPTION_KEY")))
	if err != nil {
		return nil, usagef("AUTHKIT_KEY_ENCRYPTION_KEY: %v", err)
	}
	return kek, nil
}

const keysUsage = `usage: authkit keys rotate|list [flags]

  rotate  create a new signing key; older keys keep verifying until their
          tokens expire (needs AUTHKIT_KEY_ENCRYPTION_KEY when keys are
          stored encrypted)
  list    list the signing keys: kid, creation time, and signing,
          verifying or retired (reads no key material)

Run "authkit keys rotate -h" for the flags.`

// keysCmd runs `authkit keys rotate|list`.
func keysCmd(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(env.Stdout, keysUsage)
		return errHelp
	}
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "list") {
		return usagef(`usage: authkit keys rotate|list [--db …] [--access-ttl …] (see "authkit keys -h")`)
	}
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	var db dbFlags
	db.register(fs)
	accessTTL := fs.Duration("access-ttl", 5*time.Minute, "the servers' --access-ttl (decides when old keys retire)")
	if err := parseFlags(fs, env, args[1:]); err != nil {
		return err
	}
	if err := db.check(); err != nil {
		return err
	}
	if *accessTTL < time.Second {
		return usagef("--access-ttl must be at least 1s")
	}
	var kek signing.KeyEncryptionKey
	if args[0] == "rotate" {
		var err error
		if kek, err = keyEncryptionKey(env); err != nil {
			return err
		}
	}
	st, err := db.openExisting(ctx, env.Modules)
	if err != nil {
		return err
	}
	defer st.Close()
	if args[0] == "rotate" {
		if err := rotateKey(ctx, env, st, kek, *accessTTL); err != nil {
			return err
		}
	}
	states, err := signing.ListKeys(ctx, st, *accessTTL, time.Now())
	if err != nil {
		return err
	}
	if len(states) == 0 {
		fmt.Fprintln(env.Stdout, "no signing keys yet (serve creates the first one)")
	}
	for _, k := range states {
		fmt.Fprintf(env.Stdout, "%s  %s  %s\n", k.KID, k.CreatedAt.UTC().Format(time.RFC3339), k.State)
	}
	return nil
}

// rotateKey makes a new signing key and prints its kid. Loading the keys
// first checks that the ones in force open with kek, the key encryption
// key the servers must share, so a rotation with a wrong one fails before
// it writes.
func rotateKey(ctx context.Context, env Env, st *store.Store, kek signing.KeyEncryptionKey, accessTTL time.Duration) error {
	keys, err := signing.Load(ctx, st, signing.Config{AccessTTL: accessTTL, KeyEncryptionKey: kek})
	if err != nil {
		return err
	}
	kid, err := keys.Rotate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "new signing key %s\n", kid)
	if kek == nil {
		// Servers that have a key encryption key would sign with it all
		// the same (keys stored before encryption stay readable).
		fmt.Fprintln(env.Stderr, "authkit: AUTHKIT_KEY_ENCRYPTION_KEY is not set: the new key is stored unencrypted")
	}
	return nil
}
