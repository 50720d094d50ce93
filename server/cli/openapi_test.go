package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/authkit/authkit/server/httpapi"
)

// TestOpenAPI_WritesTheDocumentOfTheModules: the command knows the
// modules it is given, needs no database, and writes to stdout or a file.
func TestOpenAPI_WritesTheDocumentOfTheModules(t *testing.T) {
	extras := httpapi.NewModule("extras", func(k *httpapi.Kit) ([]httpapi.Route, error) {
		return []httpapi.Route{{Pattern: "GET /api/extras", Summary: "Extras", Response: struct{}{},
			Handler: func(http.ResponseWriter, *http.Request) error { return nil }}}, nil
	})
	var stdout bytes.Buffer
	out := filepath.Join(t.TempDir(), "openapi.json")
	for _, args := range [][]string{{"openapi"}, {"openapi", "--output", out}} {
		err := Run(t.Context(), Env{Args: args, Getenv: func(string) string { return "" },
			Stdout: &stdout, Stderr: &stdout, Modules: []httpapi.Module{extras}})
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	written, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(written, stdout.Bytes()) {
		t.Error("--output wrote something else than stdout got")
	}
	var doc struct {
		Paths map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(written, &doc); err != nil || doc.Paths["/api/extras"] == nil || doc.Paths["/api/me"] == nil {
		t.Fatalf("paths = %v (%v); want the kit's and the module's", doc.Paths, err)
	}
}
