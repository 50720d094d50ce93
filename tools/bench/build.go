package main

// Building the server when no binary was given, the way the Makefile
// does (static, no cgo) but without the wasm frontend, which the server
// embeds only if it has already been built.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// productModule is the module under test. The tools module's go.mod
// replaces it with the directory above, so the tools always measure the
// product at the same commit.
const productModule = "github.com/authkit/authkit"

// productRoot returns the directory of the authkit module (the repository
// root), whether this runs from the tools module or from the product's.
func productRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", productModule).Output()
	if err != nil {
		return "", fmt.Errorf("finding the %s module (run inside the repository): %w", productModule, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("the %s module has no directory", productModule)
	}
	return dir, nil
}

// buildServer builds the authkit binary into dir and returns its path.
func buildServer(ctx context.Context, dir string) (string, error) {
	root, err := productRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "authkit")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out.String())
	}
	return bin, nil
}
