package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// Accessibility: every page is checked with axe-core, the standard
// accessibility engine, as it stands in the browser, at the laptop width
// and at a phone's 360 px. A serious or critical violation fails the
// test. `make axe` fetches the pinned axe-core into .cache/ (or set
// AUTHKIT_AXE to an axe.min.js); without it the checks are skipped, with
// a note, except under CI=true, where they must run.

// axeVersion is the copy `make axe` fetches.
const axeVersion = "4.14.1"

var (
	axeOnce   sync.Once
	axeScript string
	axeWhy    string // why there is no script
)

// axeSource returns axe.min.js, or "" when there is none (and the test is
// not under CI, which fails instead).
func axeSource(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		path := os.Getenv("AUTHKIT_AXE")
		if path == "" {
			wd, _ := os.Getwd()
			tools, ok := moduleDir(wd)
			root, ok2 := moduleDir(filepath.Dir(tools))
			if !ok || !ok2 {
				axeWhy = "cannot find the repository root"
				return
			}
			path = filepath.Join(root, ".cache", "axe-core-"+axeVersion, "axe.min.js")
		}
		b, err := os.ReadFile(path)
		if err != nil {
			axeWhy = fmt.Sprintf("%v (run `make axe`)", err)
			return
		}
		axeScript = string(b)
	})
	if axeScript == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("axe-core is missing under CI: %s", axeWhy)
		}
		t.Logf("accessibility not checked: axe-core is missing: %s", axeWhy)
	}
	return axeScript
}

// axeViolation is one rule a page breaks, as axe reports it.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// runAxe runs axe-core on the page as it stands and returns its serious
// and critical violations.
func (b *browser) runAxe() []axeViolation {
	b.t.Helper()
	src := axeSource(b.t)
	if src == "" {
		return nil
	}
	if !eval[bool](b, `typeof window.axe === "object"`) {
		b.do("load axe-core", chromedp.Evaluate[chromedp.Void](src))
	}
	out, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
		JSON.stringify(r.violations
			.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: running axe-core: %v", b.name, err)
	}
	var violations []axeViolation
	if err := json.Unmarshal([]byte(out), &violations); err != nil {
		b.t.Fatalf("%s: axe-core's answer %q: %v", b.name, out, err)
	}
	return violations
}

// checkA11y checks the page with axe-core at the laptop width and at
// 360 px (where nothing may stick out sideways either), saving a
// screenshot of each as step.
func (b *browser) checkA11y(step string) {
	b.t.Helper()
	report := func(width string) {
		for _, v := range b.runAxe() {
			b.t.Errorf("%s at %s: %s (%s): %s, on %s", step, width, v.ID, v.Impact, v.Help, strings.Join(v.Targets, "; "))
		}
	}
	report("1280px")
	// axe-core rates an id given twice as minor, but a page-nav link or an
	// aria-labelledby naming it then reaches only the first one.
	if dup := eval[string](b, `(() => { const seen = new Set(); for (const el of document.querySelectorAll("[id]")) { if (seen.has(el.id)) return el.id; seen.add(el.id) } return "" })()`); dup != "" {
		b.t.Errorf("%s: the id %q is on more than one element", step, dup)
	}
	b.screenshot(step)
	b.do("narrow the window", chromedp.EmulateViewport(360, 740))
	defer b.do("restore the window", chromedp.EmulateViewport(windowWidth, windowHeight))
	b.poll("lay out at 360px", `window.innerWidth === 360`)
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 360 {
		b.t.Errorf("%s: at 360px the page is %dpx wide", step, w)
	}
	report("360px")
	b.screenshot(step + "-360")
}

// settled waits until the page shows no spinner or busy region: what
// axe-core should see is the page people read, not its loading state.
func (b *browser) settled() {
	b.t.Helper()
	b.poll("the page to settle", `!document.querySelector(".loading, [aria-busy='true'], #app-wasm-loader")`)
}
