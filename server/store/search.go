package store

import (
	"database/sql/driver"
	"strings"

	"modernc.org/sqlite"
)

// SQLite's LOWER and LIKE fold the case of ASCII letters only, so a
// search for "Élodie" (or "élodie") would not find the name "Élodie".
// The search folds both sides with Go's strings.ToLower instead: the
// term in Go, the column with this function, registered for every
// SQLite connection the driver opens. PostgreSQL's LOWER folds by the
// database's locale (LC_CTYPE), so every letter under a UTF-8 one.
const sqliteLower = "authkit_lower"

func init() {
	sqlite.MustRegisterDeterministicScalarFunction(sqliteLower, 1,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			switch v := args[0].(type) {
			case string:
				return strings.ToLower(v), nil
			case []byte:
				return strings.ToLower(string(v)), nil
			default:
				return v, nil
			}
		})
}

// lower is the SQL that folds a text column's case as strings.ToLower
// does (for comparing with a term folded in Go).
func (s *Store) lower(column string) string {
	if s.postgres {
		return "LOWER(" + column + ")"
	}
	return sqliteLower + "(" + column + ")"
}
