package devtools_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// newModule is the path a pretend fork renames the module to.
const newModule = "example.com/acme/portal"

// TestMakeRename_RewritesTheModuleAndTheForkBuilds runs `make rename` on a
// copy of the repository, as a fork would on its first day, and checks
// that no file names the old module any more and that the renamed tree
// builds and passes vet.
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
	for _, args := range [][]string{{"go", "build", "./..."}, {"go", "vet", "./server/..."}} {
		if out, err := run(fork, args...); err != nil {
			t.Fatalf("%s in the renamed fork: %v\n%s", strings.Join(args, " "), err, out)
		}
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
