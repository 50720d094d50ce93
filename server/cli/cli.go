// Package cli is the authkit command line: serve, migrate,
// createsuperuser, flush-expired, keys and openapi. Run takes everything from the
// outside world as arguments (args, environment, standard streams), so
// tests run the real program in-process.
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/authkit/authkit/app"
	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/server/store"
	"github.com/authkit/authkit/shared"
)

// Env is the program's view of its surroundings.
type Env struct {
	Args   []string // without the program name
	Getenv func(string) string
	// Environ, if set, lists the environment (os.Environ), for serve's
	// warning about AUTHKIT_* variables it does not read.
	Environ func() []string
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
  help             print this help

Every flag can also be set with an AUTHKIT_* environment variable:
--access-ttl is AUTHKIT_ACCESS_TTL. Run "authkit <command> -h" for flags.
AUTHKIT_KEY_ENCRYPTION_KEY (32 bytes, hex or base64) encrypts signing keys
at rest; it is read from the environment only, never from a flag.

Exit status: 0 done, 1 failed (the database, the network, a refused
request), 2 bad usage (an unknown command or flag, an invalid value).`

// errHelp is what a command returns after printing its help for -h: Run
// turns it into success.
var errHelp = errors.New("help requested")

// usageError is bad input on the command line or in the environment: an
// unknown command or flag, an invalid or contradictory value. Nothing has
// been touched yet when one is returned; the process exits 2 (ExitCode).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef makes a usageError.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// ExitCode is the process's exit status for Run's result: 0 for nil, 2
// for bad usage (as Go's flag package and most Unix tools), 1 for any
// other failure. main exits with it.
func ExitCode(err error) int {
	var u usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u):
		return 2
	default:
		return 1
	}
}

// Run runs one command.
func Run(ctx context.Context, env Env) error {
	err := runCommand(ctx, env)
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

func runCommand(ctx context.Context, env Env) error {
	if len(env.Args) == 0 {
		fmt.Fprintln(env.Stderr, usage)
		return usagef("no command given")
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
		// No flags, but parsed as every command's: -h prints help, and
		// anything else is bad usage.
		if err := parseFlags(flag.NewFlagSet("version", flag.ContinueOnError), env, args); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, env.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(env.Stdout, usage)
		return nil
	default:
		return usagef("unknown command %q (run \"authkit help\")", cmd)
	}
}

// dbFlags are the flags of every command that opens the database.
type dbFlags struct {
	dsn      string
	maxConns int
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.dsn, "db", "data/authkit.db", "SQLite file path, or a postgres:// URL (its password is better kept in AUTHKIT_DB than on the command line)")
	fs.IntVar(&d.maxConns, "db-max-conns", 10, "maximum open database connections (at least 1)")
}

// check refuses values the pool cannot use. Without it a zero or
// negative --db-max-conns quietly meant 10, and a database named in a
// form other than a postgres:// URL (PostgreSQL's key=value string,
// another database's URL) was taken for the path of a new SQLite file:
// the server started on an empty database, and logged the string, its
// password included, as that file's name. The errors do not quote --db,
// which may hold a password.
func (d *dbFlags) check() error {
	switch {
	case strings.TrimSpace(d.dsn) == "":
		return usagef("--db must name a SQLite file or a postgres:// URL")
	case d.maxConns < 1:
		return usagef("--db-max-conns must be at least 1, not %d", d.maxConns)
	case store.IsPostgres(d.dsn):
		return nil
	}
	if scheme, _, ok := strings.Cut(d.dsn, "://"); ok {
		if !urlScheme.MatchString(scheme) {
			scheme = "such a"
		}
		return usagef("--db must be a SQLite file path or a postgres:// URL, not a %s:// URL", scheme)
	}
	if isKeyValueDSN(d.dsn) {
		return usagef("--db takes PostgreSQL's address as a postgres://user:pass@host:5432/db URL, not in the key=value form")
	}
	return nil
}

// urlScheme is the syntax of a URL's scheme (RFC 3986 §3.1).
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// libpqKeywords are the connection keywords of PostgreSQL's key=value
// form most such strings hold.
var libpqKeywords = []string{"host", "hostaddr", "port", "dbname", "user", "password", "passfile", "sslmode", "sslrootcert", "connect_timeout", "application_name", "options", "service"}

// isKeyValueDSN reports whether dsn reads as PostgreSQL's key=value form
// ("host=db user=authkit password=… dbname=authkit"): its first word is a
// connection keyword and a value (later ones may hold a quoted value with
// spaces).
func isKeyValueDSN(dsn string) bool {
	fields := strings.Fields(dsn)
	key, _, ok := strings.Cut(fields[0], "=")
	return ok && slices.Contains(libpqKeywords, key)
}

// open connects to the database and applies pending migrations, the
// kit's and the modules'. Its errors name the database (without a
// password).
func (d *dbFlags) open(ctx context.Context, log *slog.Logger, modules []httpapi.Module) (*store.Store, error) {
	st, err := store.Open(ctx, d.dsn, store.Options{MaxOpenConns: d.maxConns})
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", redactDSN(d.dsn), err)
	}
	applied, err := st.Migrate(ctx, httpapi.ModuleMigrations(modules)...)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("database %s: %w", redactDSN(d.dsn), err)
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "migrations", applied)
	}
	warnUnknownMigrations(ctx, log, st, modules)
	return st, nil
}

// unknownMigrationsWarning is the warning about migrations this program
// does not know: it was rolled back to an older version than the one that
// migrated the database (roll forward, or restore a backup made before),
// or a module was removed from main.go (its tables stay).
const unknownMigrationsWarning = "the database has migrations this program does not know: a newer version applied them, or a module was removed"

// warnUnknownMigrations logs unknownMigrationsWarning when it applies.
func warnUnknownMigrations(ctx context.Context, log *slog.Logger, st *store.Store, modules []httpapi.Module) {
	unknown, err := st.UnknownMigrations(ctx, httpapi.ModuleMigrations(modules)...)
	if err != nil {
		log.Warn("could not list the applied migrations", "err", err)
	} else if len(unknown) > 0 {
		log.Warn(unknownMigrationsWarning, "migrations", unknown)
	}
}

// openExisting is open for the admin commands (createsuperuser,
// flush-expired, keys), which refuse a SQLite path where there is no
// database yet: open would create an empty one there, and a mistyped
// --db would then "succeed" on a database no server uses (a superuser
// nobody can sign in as, a signing key that signs nothing).
func (d *dbFlags) openExisting(ctx context.Context, modules []httpapi.Module) (*store.Store, error) {
	if !store.IsPostgres(d.dsn) {
		if _, err := os.Stat(d.dsn); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s: check --db, or create it with \"authkit migrate --db %s\"", d.dsn, d.dsn)
		}
	}
	return d.open(ctx, slog.New(slog.DiscardHandler), modules)
}

// parseFlags parses args after taking defaults from AUTHKIT_* variables,
// so a flag on the command line beats the environment, which beats the
// built-in default. -h prints the command's help on standard output and
// returns errHelp; a bad flag, value or variable is a usageError of one
// line (the flag package would print the whole flag list after it).
func parseFlags(fs *flag.FlagSet, env Env, args []string) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		if v := env.Getenv(name); v != "" && envErr == nil {
			if err := f.Value.Set(v); err != nil {
				envErr = usagef("%s=%q: %v", name, v, err)
			}
		}
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(env.Stdout, fs)
			return errHelp
		}
		return usagef("%v (see \"authkit %s -h\")", err, fs.Name())
	}
	if envErr != nil {
		return envErr
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// envName is the environment variable of a flag: --access-ttl is
// AUTHKIT_ACCESS_TTL.
func envName(flagName string) string {
	return "AUTHKIT_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// summaries are the first line of each command's help (-h).
var summaries = map[string]string{
	"serve":           "Runs the HTTP server: the API, the web app and /healthz. Applies pending\ndatabase migrations first. SIGINT or SIGTERM stops it gracefully.",
	"migrate":         "Applies pending database migrations and exits.",
	"createsuperuser": "Creates a staff superuser whose address counts as confirmed. The password is\nread from standard input (its first line), never from a flag:\n  echo \"$PASSWORD\" | authkit createsuperuser --email you@example.com --name You",
	"flush-expired":   "Deletes expired and revoked refresh tokens and sessions, and security events\nolder than --event-retention, and prints how many (serve does it every\n--sweep-interval). With --session-max-age, also sessions older than that\nsince their login, as serve's sweep does. On PostgreSQL it takes turns with\nthe servers' sweeps: while one runs, it deletes nothing and says so.",
	"keys rotate":     "Creates a new signing key; older keys keep verifying until their tokens\nexpire. New keys are encrypted with AUTHKIT_KEY_ENCRYPTION_KEY when it is set.",
	"keys list":       "Lists the signing keys: kid, creation time, and signing, verifying or retired.",
	"openapi":         "Prints the OpenAPI document of the API (the one served at /api/openapi.json).",
	"version":         "Prints the version the binary was built as.",
}

// printHelp writes a command's help: what it does, then its flags, each
// with its environment variable.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	flags := 0
	fs.VisitAll(func(*flag.Flag) { flags++ })
	if flags == 0 {
		fmt.Fprintf(w, "usage: authkit %s\n\n%s\n", fs.Name(), summaries[fs.Name()])
		return
	}
	fmt.Fprintf(w, "usage: authkit %s [flags]\n\n", fs.Name())
	if s := summaries[fs.Name()]; s != "" {
		fmt.Fprintf(w, "%s\n\n", s)
	}
	fmt.Fprintln(w, "Flags (each can also be set by the environment variable in brackets; the\ncommand line wins):")
	fs.VisitAll(func(f *flag.Flag) {
		kind, text := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s", f.Name)
		if kind != "" {
			fmt.Fprintf(w, " %s", kind)
		}
		fmt.Fprintf(w, "  [%s]\n        %s", envName(f.Name), strings.ReplaceAll(text, "\n", "\n        "))
		switch {
		case f.DefValue == "" || f.DefValue == "0" || f.DefValue == "0s" || f.DefValue == "false":
		case kind == "string":
			fmt.Fprintf(w, " (default %q)", f.DefValue)
		default:
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	default:
		return nil, usagef("--log-format must be text or json, not %q", format)
	}
}

func migrateCmd(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var db dbFlags
	db.register(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := db.check(); err != nil {
		return err
	}
	st, err := store.Open(ctx, db.dsn, store.Options{MaxOpenConns: db.maxConns})
	if err != nil {
		return fmt.Errorf("database %s: %w", redactDSN(db.dsn), err)
	}
	defer st.Close()
	applied, err := st.Migrate(ctx, httpapi.ModuleMigrations(env.Modules)...)
	if err != nil {
		return fmt.Errorf("database %s: %w", redactDSN(db.dsn), err)
	}
	if len(applied) == 0 {
		fmt.Fprintln(env.Stdout, "database is up to date")
	}
	for _, name := range applied {
		fmt.Fprintln(env.Stdout, "applied", name)
	}
	if unknown, err := st.UnknownMigrations(ctx, httpapi.ModuleMigrations(env.Modules)...); err == nil && len(unknown) > 0 {
		fmt.Fprintf(env.Stderr, "warning: %s: %s\n", unknownMigrationsWarning, strings.Join(unknown, ", "))
	}
	return nil
}

func flushExpired(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("flush-expired", flag.ContinueOnError)
	var db dbFlags
	db.register(fs)
	retention := fs.Duration("event-retention", auth.DefaultEventRetention, "delete security events older than this")
	accessTTL := fs.Duration("access-ttl", 5*time.Minute, "the servers' access token lifetime (decides when old signing keys retire)")
	// Unlike serve's, this default is no cap: a cron job written before
	// the flag existed must not delete the sessions of servers that run
	// without one. Pass the servers' value to delete sessions past it here
	// too, rather than at their next sweep.
	maxAge := fs.Duration("session-max-age", 0, "the servers' --session-max-age: also delete sessions older than this since their login (0: only expired and revoked ones)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := db.check(); err != nil {
		return err
	}
	if *retention < time.Hour {
		return usagef("--event-retention must be at least 1h")
	}
	if *accessTTL < time.Second {
		// Shorter would retire, and delete, keys whose tokens are live.
		return usagef("--access-ttl must be at least 1s")
	}
	if *maxAge != 0 && *maxAge <= *accessTTL {
		// serve refuses the same: a session could not outlive its first
		// access token.
		return usagef("--session-max-age must be 0 (no cap) or longer than --access-ttl (%v), not %v", *accessTTL, *maxAge)
	}
	st, err := db.openExisting(ctx, env.Modules)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC()
	var startedBy time.Time // sessions created before it are past the cap
	if *maxAge > 0 {
		startedBy = now.Add(-*maxAge)
	}
	// One sweep at a time on a shared PostgreSQL database, as the
	// servers' sweeps take turns (store.SweepLockKey): two deleting the
	// same rows at once queue on each other's row locks, and may
	// deadlock.
	var tokens, sessions, events, rows, keys int64
	ran, err := st.Alone(ctx, store.SweepLockKey, func() (err error) {
		if tokens, sessions, err = st.FlushExpired(ctx, now, startedBy); err != nil {
			return err
		}
		if events, err = st.DeleteEventsBefore(ctx, now.Add(-*retention)); err != nil {
			return err
		}
		if rows, err = httpapi.DeleteExpiredData(ctx, st, env.Modules, now); err != nil {
			return err
		}
		keys, err = signing.DeleteRetiredKeys(ctx, st, *accessTTL, now)
		return err
	})
	if err != nil {
		return err
	}
	if !ran {
		fmt.Fprintln(env.Stdout, "a server is sweeping this database right now: nothing deleted (run it again later, or leave it to the servers' sweep)")
		return nil
	}
	fmt.Fprintf(env.Stdout, "deleted %d refresh tokens, %d sessions, %d security events, %d expired rows of modules and %d retired signing keys\n",
		tokens, sessions, events, rows, keys)
	return nil
}

func createSuperuser(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("createsuperuser", flag.ContinueOnError)
	var db dbFlags
	db.register(fs)
	email := fs.String("email", "", "email address (required; it counts as confirmed)")
	name := fs.String("name", "", "display name (required)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := db.check(); err != nil {
		return err
	}
	// The address and the name are checked before the password is asked
	// for; CreateSuperuser checks all three again.
	var bad []string
	if msg := shared.ValidateEmail(shared.NormalizeEmail(*email)); msg != "" {
		bad = append(bad, "email: "+msg)
	}
	if msg := shared.ValidateName(shared.NormalizeName(*name)); msg != "" {
		bad = append(bad, "name: "+msg)
	}
	if len(bad) > 0 {
		return usagef("%s", strings.Join(bad, "; "))
	}
	// The service opens the signing keys (and on PostgreSQL the throttle
	// key), which may be sealed.
	kek, err := keyEncryptionKey(env)
	if err != nil {
		return err
	}
	password, err := readPassword(env.Stdin, env.Stderr)
	if err != nil {
		return err
	}
	st, err := db.openExisting(ctx, env.Modules)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := auth.New(ctx, st, auth.Config{KeyEncryptionKey: kek})
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

// readPassword reads the password from standard input, so it never
// appears in the process list: its first line, without the line ending,
// as `echo "$PASSWORD" | authkit createsuperuser …` gives it. Reading
// stops at the line's end, so a pipe left open, or a person typing at a
// terminal, does not have to end the stream first. A password that
// cannot be had is a usageError.
func readPassword(r io.Reader, prompt io.Writer) (string, error) {
	if r == nil {
		return "", usagef("the password must be given on standard input")
	}
	if f, ok := r.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(prompt, "Password (it shows as you type; pipe it in to keep it off the screen): ")
		}
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", usagef("the password must be given on standard input (one line)")
	}
	return line, nil
}
