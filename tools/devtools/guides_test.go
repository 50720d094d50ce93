package devtools_test

import (
	"bufio"
	"bytes"
	"go/format"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The guides in docs/ are followed to the letter on a copy of the
// repository, as a fork would follow them, so a guide whose steps no
// longer build or pass fails here rather than in someone's fork.

// TestGuide_AddingAProtectedEndpoint_ForkBuildsAndTheModulePasses writes
// the files of docs/adding-a-protected-endpoint.md into a copy of the
// repository (each code block titled with a path; main.go's block adds its
// new lines among the existing ones), then builds and vets the copy and
// runs the new module's tests, which reach its endpoints through apitest.
func TestGuide_AddingAProtectedEndpoint_ForkBuildsAndTheModulePasses(t *testing.T) {
	root, fork := copyForGuide(t)
	var written, testDirs []string
	for _, b := range codeBlocks(t, filepath.Join(root, "docs", "adding-a-protected-endpoint.md")) {
		if b.path == "" {
			continue
		}
		target := filepath.Join(fork, filepath.FromSlash(b.path))
		if _, err := os.Stat(target); err == nil {
			addLines(t, target, b.code, b.path)
		} else {
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(target, []byte(b.code), 0o644); err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(b.path, "_test.go") {
				testDirs = append(testDirs, "./"+path.Dir(b.path)+"/")
			}
		}
		written = append(written, b.path)
		// A guide's code is copied by people: it must be gofmt-clean.
		if src, err := os.ReadFile(target); err == nil && strings.HasSuffix(target, ".go") {
			if formatted, err := format.Source(src); err != nil || !bytes.Equal(formatted, src) {
				t.Errorf("%s as the guide leaves it is not gofmt-clean (%v)", b.path, err)
			}
		}
	}
	if !slices.Contains(written, "main.go") || len(testDirs) == 0 {
		t.Fatalf("the guide should add a module's line to main.go and its tests; it writes %v", written)
	}

	mustRun(t, fork, "go", "build", "./...")
	mustRun(t, fork, "go", "vet", "./...")
	out := mustRun(t, fork, append([]string{"go", "test", "-count=1", "-v"}, testDirs...)...)
	if !strings.Contains(out, "--- PASS") || strings.Contains(out, "--- SKIP") {
		t.Fatalf("the guide's tests did not all run:\n%s", out)
	}
}

// TestGuide_DeletingTheNotesExample_ForkBuildsAndPasses does what
// docs/deleting-the-notes-example.md says on a copy of the repository:
// runs its rm -r line and deletes the lines naming notes in main.go and
// pages.go, then builds and vets the copy and runs the server's tests.
func TestGuide_DeletingTheNotesExample_ForkBuildsAndPasses(t *testing.T) {
	root, fork := copyForGuide(t)
	guide := filepath.Join(root, "docs", "deleting-the-notes-example.md")

	var removed []string
	for _, b := range codeBlocks(t, guide) {
		for line := range strings.Lines(b.code) {
			if paths, ok := strings.CutPrefix(strings.TrimSpace(line), "rm -r "); b.lang == "sh" && ok {
				removed = append(removed, strings.Fields(paths)...)
			}
		}
	}
	if len(removed) == 0 {
		t.Fatal("the guide has no `rm -r` line in a sh block")
	}
	for _, rel := range removed {
		target := filepath.Join(fork, filepath.FromSlash(rel))
		if _, err := os.Stat(target); os.IsNotExist(err) {
			t.Errorf("the guide deletes %s, which does not exist", rel)
		}
		if err := os.RemoveAll(target); err != nil {
			t.Fatal(err)
		}
	}

	text, err := os.ReadFile(guide)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"main.go", "pages.go"} {
		if !bytes.Contains(text, []byte("`"+file+"`")) {
			t.Errorf("the guide no longer names %s", file)
		}
		target := filepath.Join(fork, file)
		if n := deleteLinesNaming(t, target, "notes"); n != 2 {
			t.Errorf("%s had %d lines naming notes, want 2: the entry and its import", file, n)
		}
	}

	mustRun(t, fork, "go", "build", "./...")
	mustRun(t, fork, "go", "vet", "./...")
	// The browser tests and the load generator live in the tools module:
	// they must still compile without the example's page and test.
	mustRun(t, filepath.Join(fork, "tools"), "go", "vet", "./...")
	pkgs := strings.Fields(mustRun(t, fork, "go", "list", "./server/...", "./app/...", "./shared/..."))
	for _, want := range []string{"/server/httpapi", "/server/cli"} {
		if !slices.ContainsFunc(pkgs, func(p string) bool { return strings.HasSuffix(p, want) }) {
			t.Fatalf("%s is not among the packages tested: %v", want, pkgs)
		}
	}
	// An AUTHKIT_BIN from `make test` names the original's binary, which
	// still serves the notes; without it the browser tests skip.
	t.Setenv("AUTHKIT_BIN", "")
	// The copy's suites run on SQLite: the tests that need the binary or
	// a PostgreSQL server (required under CI) belong to the original's run.
	t.Setenv("AUTHKIT_TEST_POSTGRES", "")
	t.Setenv("CI", "")
	mustRun(t, fork, append([]string{"go", "test", "-short", "-count=1"}, pkgs...)...)
}

// copyForGuide copies the repository (as rename_test.go's
// copyRepository does) into a temporary directory, skipping under -short
// or when the tools are missing; it returns the original's root and the
// copy.
func copyForGuide(t *testing.T) (root, fork string) {
	t.Helper()
	if testing.Short() {
		t.Skip("copies the repository, builds it and runs tests in it (a minute or two)")
	}
	for _, tool := range []string{"git", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fork = t.TempDir()
	copyRepository(t, root, fork)
	return root, fork
}

// mustRun runs a command in the fork (see run) and returns its output,
// failing the test with the output when the command fails.
func mustRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := run(dir, args...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// codeBlock is a fenced block of a Markdown file: its language, the path
// that follows it in the info string ("```go server/orders/module.go"),
// if any, and its text, unindented as far as its fence was.
type codeBlock struct {
	lang, path, code string
}

// codeBlocks returns a Markdown file's fenced code blocks, in order.
func codeBlocks(t *testing.T, file string) []codeBlock {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		blocks []codeBlock
		cur    *codeBlock
		indent string
		code   strings.Builder
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " \t")
		if !strings.HasPrefix(trimmed, "```") {
			if cur != nil {
				code.WriteString(strings.TrimPrefix(line, indent) + "\n")
			}
			continue
		}
		if cur != nil { // the closing fence
			cur.code = code.String()
			blocks = append(blocks, *cur)
			cur = nil
			continue
		}
		info := strings.Fields(strings.TrimPrefix(trimmed, "```"))
		cur, indent = &codeBlock{}, line[:len(line)-len(trimmed)]
		code.Reset()
		if len(info) > 0 {
			cur.lang = info[0]
		}
		if len(info) > 1 {
			cur.path = info[1]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s: a code block is never closed", file)
	}
	return blocks
}

// addLines applies a guide's block that shows new lines in context: each
// line of the block found in the file (at or after the previous one found)
// is a landmark; each other line is inserted after the last landmark or
// inserted line. An ellipsis line (…) stands for lines left out.
func addLines(t *testing.T, file, block, name string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	at := -1 // the index the next new line goes after
	for add := range strings.Lines(block) {
		add = strings.TrimRight(add, "\n")
		if strings.TrimSpace(add) == "" || strings.TrimSpace(add) == "…" {
			continue
		}
		if i := slices.Index(lines[at+1:], add); i >= 0 {
			at += 1 + i
			continue
		}
		if at < 0 {
			t.Fatalf("the guide's %s block: %q comes before any line %s has", name, add, name)
		}
		lines = slices.Insert(lines, at+1, add)
		at++
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// deleteLinesNaming deletes the lines of a Go file that use or import
// package pkg (not comments), and returns how many it deleted.
func deleteLinesNaming(t *testing.T, file, pkg string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`(^|[^\w.])` + pkg + `\.|/` + pkg + `"`)
	var kept []string
	deleted := 0
	for line := range strings.Lines(string(b)) {
		code, _, _ := strings.Cut(line, "//")
		if names.MatchString(code) {
			deleted++
			continue
		}
		kept = append(kept, line)
	}
	if err := os.WriteFile(file, []byte(strings.Join(kept, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	return deleted
}
