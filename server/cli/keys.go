package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/authkit/authkit/server/signing"
)

// keyEncryptionKey reads AUTHKIT_KEY_ENCRYPTION_KEY. It has no flag, so
// the key never shows up in a process listing.
func keyEncryptionKey(env Env) (signing.KeyEncryptionKey, error) {
	kek, err := signing.ParseKeyEncryptionKey(env.Getenv("AUTHKIT_KEY_ENCRYPTION_KEY"))
	if err != nil {
		return nil, fmt.Errorf("AUTHKIT_KEY_ENCRYPTION_KEY: %w", err)
	}
	return kek, nil
}

// keysCmd runs `authkit keys rotate|list`.
func keysCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "list") {
		return errors.New(`usage: authkit keys rotate|list [--db …] [--access-ttl …]`)
	}
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	var db dbFlags
	db.register(fs)
	accessTTL := fs.Duration("access-ttl", 5*time.Minute, "the servers' access token lifetime (decides when old keys retire)")
	if err := parseFlags(fs, env, args[1:]); err != nil {
		return err
	}
	kek, err := keyEncryptionKey(env)
	if err != nil {
		return err
	}
	st, err := db.open(ctx, slog.New(slog.DiscardHandler), env.Modules)
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := signing.Load(ctx, st, signing.Config{AccessTTL: *accessTTL, KeyEncryptionKey: kek})
	if err != nil {
		return err
	}
	if args[0] == "rotate" {
		kid, err := keys.Rotate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "new signing key %s\n", kid)
	}
	states, err := signing.ListKeys(ctx, st, *accessTTL, time.Now())
	if err != nil {
		return err
	}
	for _, k := range states {
		fmt.Fprintf(env.Stdout, "%s  %s  %s\n", k.KID, k.CreatedAt.UTC().Format(time.RFC3339), k.State)
	}
	return nil
}
