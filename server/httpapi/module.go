package httpapi

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/uptrace/bun/migrate"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store"
)

// Module is a feature that plugs into the kit: the notes example, and a
// fork's own resources. It brings its tables (Migrations) and its routes
// (Mount); the kit serves those routes with the same guards, JSON errors,
// 405s and logging as its own, and documents them in the OpenAPI document.
// main.go lists the modules, one line each; nothing else names them, so
// deleting a module is deleting its package and its line.
type Module interface {
	// Name identifies the module in logs, errors and as the OpenAPI tag of
	// its routes ("notes").
	Name() string
	// Migrations returns the module's schema changes, or nil. They run at
	// start-up with the kit's own, in the order of their timestamped names,
	// which must not clash with any other migration's.
	Migrations() *migrate.Migrations
	// Mount wires the module to the kit's parts and returns its routes.
	// An error stops the server from starting. `authkit openapi` also
	// calls it, with no database (Kit.Store and Kit.Auth nil), to write
	// the document: keep Mount to wiring, and use the database in the
	// handlers.
	Mount(k *Kit) ([]Route, error)
}

// UserDataOwner is a module that keeps data about users (the notes
// module keeps their notes). The account module calls its hooks, so an
// account's owner gets their data in the export and loses it with the
// account, without the core naming any module. A module that keeps
// personal data should implement it.
type UserDataOwner interface {
	Module
	// DeleteUserData deletes every row the module keeps about the user,
	// in tx: the transaction that deletes the account. An error cancels
	// the whole deletion. Do not rely on ON DELETE CASCADE alone: the
	// hook says what goes, whatever the schema.
	DeleteUserData(ctx context.Context, tx *store.Store, userID string) error
	// ExportUserData returns what the module keeps about the user, as a
	// value encoding/json writes (the wire types of its shared package,
	// never its bun models). It goes into the export under the module's
	// name.
	ExportUserData(ctx context.Context, st *store.Store, userID string) (any, error)
}

// ExpiringDataOwner is a module that keeps rows which expire: a
// ceremony or a sign-in in flight, a challenge. The sweep (every
// --sweep-interval in serve, and `authkit flush-expired`) runs its hook
// with the kit's own clean-up, so an expired row goes whether or not
// anyone uses the module again.
type ExpiringDataOwner interface {
	Module
	// DeleteExpiredData deletes the module's rows that have expired (or
	// been spent) by now, and returns how many. Never a row still in use.
	DeleteExpiredData(ctx context.Context, st *store.Store, now time.Time) (int64, error)
}

// DeleteExpiredData runs the ExpiringDataOwner hook of every module that
// has one and returns how many rows they deleted. A failing hook does not
// keep the others from running; the errors are returned together.
func DeleteExpiredData(ctx context.Context, st *store.Store, modules []Module, now time.Time) (int64, error) {
	var total int64
	var errs []error
	for _, m := range modules {
		if o, ok := m.(ExpiringDataOwner); ok {
			n, err := o.DeleteExpiredData(ctx, st, now)
			total += n
			if err != nil {
				errs = append(errs, fmt.Errorf("module %s: deleting expired data: %w", m.Name(), err))
			}
		}
	}
	return total, errors.Join(errs...)
}

// Configurable is a module with settings of its own (client ids of login
// providers, say). `authkit serve` calls RegisterFlags before it parses
// the command line, so the module's flags are listed by -h and, like every
// flag, can be set with their AUTHKIT_… variable (--github-client-id is
// AUTHKIT_GITHUB_CLIENT_ID). Such a module is listed in main.go as a
// pointer, whose fields the flags fill in; other commands (openapi,
// migrate) leave them zero, so Mount must work unconfigured.
type Configurable interface {
	Module
	RegisterFlags(fs *flag.FlagSet)
}

// RegisterModuleFlags adds the flags of every Configurable module to fs.
func RegisterModuleFlags(fs *flag.FlagSet, modules []Module) {
	for _, m := range modules {
		if c, ok := m.(Configurable); ok {
			c.RegisterFlags(fs)
		}
	}
}

// describedModule is a module that describes its tag in the OpenAPI
// document (optional: others get a generic line).
type describedModule interface {
	Module
	// Description is a sentence about the module, for its tag.
	Description() string
}

// Kit is what a module gets to work with when it is mounted.
type Kit struct {
	// Store is the kit's database. Query a module's own tables through
	// Store.IDB inside Store.InTx, and pass errors through store.MapError:
	// that keeps SQLite's single-writer turn, the moved-database check and
	// the not-found/conflict mapping every kit table gets.
	Store *store.Store
	// Auth is the authentication service, for modules that sign people
	// in or act on accounts.
	Auth *auth.Service
	// API lends the HTTP helpers that need the server's state (LogIn,
	// LogOut, WriteError).
	API *API
	// Log is the server's logger; Now its clock (tests set it).
	Log *slog.Logger
	Now func() time.Time
	// Modules are all the modules mounted, in order, this one included:
	// for a module that acts on the others through their optional hooks
	// (UserDataOwner). Keep what Mount gets; do not mount them again.
	Modules []Module
}

// ModuleMigrations collects the migrations of modules, for
// store.Migrate.
func ModuleMigrations(modules []Module) []*migrate.Migrations {
	var sets []*migrate.Migrations
	for _, m := range modules {
		if set := m.Migrations(); set != nil {
			sets = append(sets, set)
		}
	}
	return sets
}

// mount mounts each module and adds its routes, tagged with the module's
// name unless a route names its own tag.
func (a *API) mount(r *Router, modules []Module, st *store.Store) error {
	for _, m := range modules {
		if d, ok := m.(describedModule); ok {
			r.moduleTags[m.Name()] = d.Description()
		}
		routes, err := m.Mount(&Kit{Store: st, Auth: a.svc, API: a, Log: a.log.With("module", m.Name()), Now: a.now,
			Modules: slices.Clone(modules)})
		if err != nil {
			return fmt.Errorf("module %s: %w", m.Name(), err)
		}
		for i := range routes {
			if routes[i].Tag == "" {
				routes[i].Tag = m.Name()
			}
		}
		r.Add(routes...)
	}
	return nil
}

// NewModule makes a Module of a name and a mount function, for a feature
// with no tables of its own (a few extra routes).
func NewModule(name string, mount func(k *Kit) ([]Route, error)) Module {
	return funcModule{name: name, mount: mount}
}

type funcModule struct {
	name  string
	mount func(k *Kit) ([]Route, error)
}

func (m funcModule) Name() string                    { return m.name }
func (m funcModule) Migrations() *migrate.Migrations { return nil }
func (m funcModule) Mount(k *Kit) ([]Route, error)   { return m.mount(k) }

// FlagChecker is a Configurable module that can tell, from its flags
// alone, that its settings cannot work (a client secret without its
// client id, say). serve calls CheckFlags right after parsing the command
// line, so such a mistake is reported as bad usage before the database
// is opened, rather than after the migrations.
type FlagChecker interface {
	Configurable
	CheckFlags() error
}

// CheckModuleFlags runs CheckFlags of every module that has one.
func CheckModuleFlags(modules []Module) error {
	for _, m := range modules {
		if c, ok := m.(FlagChecker); ok {
			if err := c.CheckFlags(); err != nil {
				return err
			}
		}
	}
	return nil
}
