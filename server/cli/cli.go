// Package cli is the authkit command line: serve, migrate,
// createsuperuser, flush-expired, keys and openapi. Run takes everything from the
// outside world as arguments (args, environment, standard streams), so
// tests run the real program in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/server/store"
)

// Env is the program's view of its surroundings.
type Env struct {
	Args    []string // without the program name
	Getenv  func(string) string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Version string
	// Modules are the features mounted beside the kit's own routes, with
	// their migrations (main.go lists them, one line each).
	Modules []httpapi.Module
	// Pages are the app modules to serve besides the core pages (main
	// lists them in pages.go).
	Pages []app.Module
	// Ready, if set, is called with the listening address once serve
	// accepts connections (tests use it instead of polling).
	Ready func(addr string)
}

const usage = `usage: authkit <command> [flags]

commands:
  serve            run the HTTP server (migrates the database first)
  migrate          apply database migrations and exit
  createsuperuser  create a staff superuser; the password is read from stdin
  flush-expired    delete expired and revoked rows (tokens, sessions, modules' ceremonies), old security events and retired signing keys
  keys rotate      create a new signing key (older keys verify until their tokens expire)
  keys list        list the signing keys and their states
  openapi          print the OpenAPI document of the API (--output FILE writes it)
  version          print the version

Every flag can also be set with an AUTHKIT_* environment variable:
--access-ttl is AUTHKIT_ACCESS_TTL. Run "authkit <command> -h" for flags.
AUTHKIT_KEY_ENCRYPTION_KEY (32 bytes, hex or base64) encrypts signing keys
at rest; it is read from the environment only, never from a flag.`

// errUsage marks errors whose message is all the user needs.
var errUsage = errors.New("usage")

// Run runs one command.
func Run(ctx context.Context, env Env) error {
	if len(env.Args) == 0 {
		fmt.Fprintln(env.Stderr, usage)
		return errors.New("no command given")
	}
	cmd, args := env.Args[0], env.Args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, env, args)
	case "migrate":
		return migrateCmd(ctx, env, args)
	case "createsuperuser":
		return createSuperuser(ctx, env, args)
	case "flush-expired":
		return flushExpired(ctx, env, args)
	case "keys":
		return keysCmd(ctx, env, args)
	case "openapi":
		return openAPICmd(env, args)
	case "version":
		fmt.Fprintln(env.Stdout, env.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(env.Stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q (run \"authkit help\")", cmd)
	}
}

// dbFlags are the flags of every command that opens the database.
type dbFlags struct {
	dsn      string
	maxConns int
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.dsn, "db", "data/authkit.db", "SQLite file path, or a postgres:// URL")
	fs.IntVar(&d.maxConns, "db-max-conns", 10, "maximum open database connections")
}

// open connects to the database and applies pending migrations, the
// kit's and the modules'.
func (d *dbFlags) open(ctx context.Context, log *slog.Logger, modules []httpapi.Module) (*store.Store, error) {
	st, err := store.Open(ctx, d.dsn, store.Options{MaxOpenConns: d.maxConns})
	if err != nil {
		return nil, err
	}
	applied, err := st.Migrate(ctx, httpapi.ModuleMigrations(modules)...)
	if err != nil {
		st.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "migrations", applied)
	}
	return st, nil
}

// parseFlags parses args after taking defaults from AUTHKIT_* variables,
// so a flag on the command line beats the environment, which beats the
// built-in default.
func parseFlags(fs *flag.FlagSet, env Env, args []string) error {
	fs.SetOutput(env.Stderr)
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "AUTHKIT_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := env.Getenv(name); v != "" && envErr == nil {
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("%s=%q: %v", name, v, err)
			}
		}
	})
	if envErr != nil {
		return envErr
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errUsage
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	default:
		return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
	}
}

func migrateCmd(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var db dbFlags
	db.register(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	st, err := store.Open(ctx, db.dsn, store.Options{MaxOpenConns: db.maxConns})
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx, httpapi.ModuleMigrations(env.Modules)...)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(env.Stdout, "database is up to date")
	}
	for _, name := range applied {
		fmt.Fprintln(env.Stdout, "applied", name)
	}
	return nil
}

func flushExpired(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("flush-expired", flag.ContinueOnError)
	var db dbFlags
	db.register(fs)
	retention := fs.Duration("event-retention", auth.DefaultEventRetention, "delete security events older than this")
	accessTTL := fs.Duration("access-ttl", 5*time.Minute, "the servers' access token lifetime (decides when old signing keys retire)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *retention < time.Hour {
		return errors.New("--event-retention must be at least 1h")
	}
	st, err := db.open(ctx, slog.New(slog.DiscardHandler), env.Modules)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC()
	tokens, sessions, err := st.FlushExpired(ctx, now)
	if err != nil {
		return err
	}
	events, err := st.DeleteEventsBefore(ctx, now.Add(-*retention))
	if err != nil {
		return err
	}
	rows, err := httpapi.DeleteExpiredData(ctx, st, env.Modules, now)
	if err != nil {
		return err
	}
	keys, err := signing.DeleteRetiredKeys(ctx, st, *accessTTL, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "deleted %d refresh tokens, %d sessions, %d security events, %d expired rows of modules and %d retired signing keys\n",
		tokens, sessions, events, rows, keys)
	return nil
}

func createSuperuser(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("createsuperuser", flag.ContinueOnError)
	var db dbFlags
	db.register(fs)
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "display name (required)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	password, err := readPassword(env.Stdin)
	if err != nil {
		return err
	}
	st, err := db.open(ctx, slog.New(slog.DiscardHandler), env.Modules)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := auth.New(ctx, st, auth.Config{})
	if err != nil {
		return err
	}
	u, err := svc.Accounts.CreateSuperuser(ctx, *email, *name, password)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(env.Stdout, "created superuser %s (%s)\n", u.Email, u.ID)
	return nil
}

// readPassword reads one line from stdin (without its line ending), so
// `echo "$PASSWORD" | authkit createsuperuser …` works and the password
// never appears in the process list.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("the password must be given on standard input")
	}
	b, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return "", errors.New("the password must be given on standard input")
	}
	return line, nil
}
