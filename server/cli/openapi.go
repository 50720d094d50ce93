package cli

import (
	"flag"
	"os"

	"github.com/authkit/authkit/server/httpapi"
)

// openAPICmd writes the OpenAPI document of the kit and env.Modules, the
// one serve answers at /api/openapi.json, to standard output or to
// --output. `make openapi` keeps docs/openapi.json with it, for readers
// and linters; no database is opened (see httpapi.Module's Mount).
func openAPICmd(env Env, args []string) error {
	fs := flag.NewFlagSet("openapi", flag.ContinueOnError)
	output := fs.String("output", "", "write the document to this file instead of standard output")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	doc, err := httpapi.OpenAPIDocument(env.Modules)
	if err != nil {
		return err
	}
	if *output == "" {
		_, err = env.Stdout.Write(doc)
		return err
	}
	return os.WriteFile(*output, doc, 0o644)
}
