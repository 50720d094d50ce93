package devtools_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// newModule is the path a pretend fork renames the module to.
const newModule = "example.com/acme/portal"

// TestMakeRename_RewritesTheModuleAndTheForkBuilds runs `make rename` on a
// copy of the repository, as a fork would on its first day, and checks
// that no file names the old module any more and that the renamed tree,
// the tools module (tools/go.mod) included, builds and passes vet.
func TestMakeRename_RewritesTheModuleAndTheForkBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("copies and rebuilds the repository")
	}
	for _, tool := range []string{"git", "make", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	oldModule := modulePath(t, filepath.Join(root, "go.mod"))
	fork := t.TempDir()
	copyRepository(t, root, fork)

	// Without MODULE, or with an invalid one, nothing changes.
	if out, err := run(fork, "make", "rename"); err == nil || !strings.Contains(out, "usage: make rename MODULE=") {
		t.Fatalf("make rename without MODULE: err %v, output:\n%s", err, out)
	}
	if out, err := run(fork, "make", "rename", "MODULE=not a module path"); err == nil {
		t.Fatalf("make rename with an invalid MODULE succeeded:\n%s", out)
	}
	if got := modulePath(t, filepath.Join(fork, "go.mod")); got != oldModule {
		t.Fatalf("a failed rename changed go.mod to %q", got)
	}

	if out, err := run(fork, "make", "rename", "MODULE="+newModule); err != nil {
		t.Fatalf("make rename: %v\n%s", err, out)
	}
	if got := modulePath(t, filepath.Join(fork, "go.mod")); got != newModule {
		t.Fatalf("go.mod names module %q, want %q", got, newModule)
	}
	checkToolsModule(t, filepath.Join(fork, "tools"))
	if main, _ := os.ReadFile(filepath.Join(fork, "main.go")); !bytes.Contains(main, []byte(`"`+newModule+`/server/cli"`)) {
		t.Fatalf("main.go does not import %s/server/cli:\n%s", newModule, main)
	}
	filepath.WalkDir(fork, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(oldModule)) {
			rel, _ := filepath.Rel(fork, path)
			t.Errorf("%s still names %s", rel, oldModule)
		}
		return nil
	})

	// The module cache is shared, so this needs no network. -mod=mod lets
	// go fix up go.sum should the rename have disturbed it.
	// The tools module is a module of its own: ./... from the root skips it.
	for _, args := range [][]string{
		{"go", "build", "./..."}, {"go", "vet", "./server/..."},
		{"go", "-C", "tools", "build", "./..."}, {"go", "-C", "tools", "vet", "./..."},
	} {
		if out, err := run(fork, args...); err != nil {
			t.Fatalf("%s in the renamed fork: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// checkToolsModule checks that the renamed fork's tools module has its
// own path under the new one and still tests the product beside it: it
// requires the new module and replaces it with the directory above.
func checkToolsModule(t *testing.T, dir string) {
	t.Helper()
	out, err := run(dir, "go", "mod", "edit", "-json")
	if err != nil {
		t.Fatalf("reading tools/go.mod: %v\n%s", err, out)
	}
	var mod struct {
		Module  struct{ Path string }
		Require []struct{ Path string }
		Replace []struct {
			Old struct{ Path string }
			New struct{ Path string }
		}
	}
	if err := json.Unmarshal([]byte(out), &mod); err != nil {
		t.Fatalf("go mod edit -json: %v\n%s", err, out)
	}
	if want := newModule + "/tools"; mod.Module.Path != want {
		t.Errorf("tools/go.mod names module %q, want %q", mod.Module.Path, want)
	}
	if !slices.ContainsFunc(mod.Require, func(r struct{ Path string }) bool { return r.Path == newModule }) {
		t.Errorf("tools/go.mod does not require %s:\n%s", newModule, out)
	}
	replaced := false
	for _, r := range mod.Replace {
		replaced = replaced || r.Old.Path == newModule && r.New.Path == "../"
	}
	if !replaced {
		t.Errorf("tools/go.mod does not replace %s with ../:\n%s", newModule, out)
	}
}

// modulePath reads the module line of a go.mod file.
func modulePath(t *testing.T, gomod string) string {
	t.Helper()
	b, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if path, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(path), `"`)
		}
	}
	t.Fatalf("%s has no module line", gomod)
	return ""
}

// copyRepository copies what a clone would hold, plus files not yet
// committed (git ls-files, tracked and untracked but not ignored), without
// the built web/app.wasm*, which are large and rebuilt from the sources.
func copyRepository(t *testing.T, root, dst string) {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	for rel := range strings.SplitSeq(strings.TrimRight(string(out), "\x00"), "\x00") {
		if rel == "" || strings.HasPrefix(rel, "web/app.wasm") {
			continue
		}
		src := filepath.Join(root, rel)
		info, err := os.Lstat(src)
		if os.IsNotExist(err) {
			continue // deleted in the work tree, not yet in the index
		}
		if err != nil {
			t.Fatal(err)
		}
		if !info.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dst, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(target, b, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

// run runs a command in dir, as a fork's developer would: CGO off as in
// the Makefile, no go.work from outside, and -mod=mod added to GOFLAGS.
func run(dir string, args ...string) (string, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"CGO_ENABLED=0", "GOWORK=off",
		"GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"),
		"MAKEFLAGS=", "MFLAGS=", "MAKELEVEL=")
	out, err := cmd.CombinedOutput()
	return string(out), err
}
