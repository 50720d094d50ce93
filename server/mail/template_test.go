package mail

import (
	"strings"
	"testing"
	"testing/fstest"
)

func parseOne(t *testing.T, name, src string) (*Templates, error) {
	t.Helper()
	return ParseTemplates(fstest.MapFS{name: {Data: []byte(src)}})
}

// TestTemplates_RunFieldsAndConditions: fields, nested fields, map keys
// and if/else if/else give what text/template gives for them.
func TestTemplates_RunFieldsAndConditions(t *testing.T) {
	type inner struct{ City string }
	data := struct {
		Name  string
		IP    string
		Staff bool
		N     int
		Where *inner
		Extra map[string]string
	}{Name: "Ann", Staff: true, N: 0, Where: &inner{City: "Lyon"}, Extra: map[string]string{"k": "v"}}
	set, err := ParseTemplates(fstest.MapFS{
		"m.txt": {Data: []byte("Subject: Hi {{.Name}}\n\nHello {{.Name}}{{if .IP}} from {{.IP}}{{else if .Staff}} (staff){{else}}!{{end}}" +
			" in {{.Where.City}}, {{.Extra.k}}{{.Extra.missing}}, n={{.N}}{{if .N}} nonzero{{end}}.\n")},
		"m.html": {Data: []byte(`<p title="{{.Name}}">{{.Name}}</p>`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := set.Render("m", "ann@example.com", data)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Hello Ann (staff) in Lyon, v, n=0.\n"; m.Text != want || m.Subject != "Hi Ann" || m.To != "ann@example.com" {
		t.Fatalf("got subject %q, text %q; want %q", m.Subject, m.Text, want)
	}
	if m.HTML != `<p title="Ann">Ann</p>` {
		t.Fatalf("html = %q", m.HTML)
	}
}

// TestTemplates_EscapeHTML: in the HTML template a value is escaped in
// text and in quoted attributes, and a link that is not http(s) or
// mailto becomes "#"; the text template takes values as they are.
func TestTemplates_EscapeHTML(t *testing.T) {
	set, err := ParseTemplates(fstest.MapFS{
		"m.txt":  {Data: []byte("Subject: x\n{{.Name}} {{.Link}}")},
		"m.html": {Data: []byte(`<a href="{{.Link}}" title='{{.Name}}'>{{.Name}}</a><img src="https://x/{{.Name}}"><form action=" {{.Link}}">`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ link, wantHref string }{
		{"https://example.com/reset?t=a&b", "https://example.com/reset?t=a&amp;b"},
		{"/profile", "/profile"},
		{"mailto:ann@example.com", "mailto:ann@example.com"},
		{"javascript:alert(1)", "#"},
		{" JavaScript:alert(1)", "#"},
		{"data:text/html,x", "#"},
	} {
		data := struct{ Name, Link string }{`<b>"Ann" & 'Bob'</b>`, tc.link}
		m, err := set.Render("m", "a@example.com", data)
		if err != nil {
			t.Fatal(err)
		}
		esc := "&lt;b&gt;&#34;Ann&#34; &amp; &#39;Bob&#39;&lt;/b&gt;"
		want := `<a href="` + tc.wantHref + `" title='` + esc + `'>` + esc + `</a><img src="https://x/` + esc + `"><form action=" ` + tc.wantHref + `">`
		if m.HTML != want {
			t.Errorf("link %q:\n got %s\nwant %s", tc.link, m.HTML, want)
		}
		if m.Text != data.Name+" "+tc.link {
			t.Errorf("text = %q", m.Text)
		}
	}
}

// TestTemplates_RefuseWhatTheyCannotRun: what the executor does not run,
// and values where HTML escaping is not enough, fail at parse time with
// a message naming the template.
func TestTemplates_RefuseWhatTheyCannotRun(t *testing.T) {
	for name, src := range map[string]string{
		"range.txt":      "{{range .Items}}x{{end}}",
		"with.txt":       "{{with .Name}}x{{end}}",
		"func.txt":       "{{printf \"%s\" .Name}}",
		"pipe.txt":       "{{.Name | html}}",
		"var.txt":        "{{$x := .Name}}{{$x}}",
		"const.txt":      "{{3}}",
		"define.txt":     "{{define \"x\"}}y{{end}}",
		"dot.txt":        "{{.}}",
		"unquoted.html":  `<a href={{.Link}}>x</a>`,
		"intag.html":     `<a {{.Attr}}>x</a>`,
		"script.html":    `<script>var n = "{{.Name}}";</script>`,
		"style.html":     `<style>p { color: {{.C}} }</style>`,
		"styleattr.html": `<p style="color: {{.C}}">x</p>`,
		"onclick.html":   `<p onclick="f('{{.Name}}')">x</p>`,
		"comment.html":   `<!-- {{.Name}} -->`,
		"title.html":     `<title>{{.Name}}</title>`,
		"branches.html":  `<p{{if .A}} class="x"{{else}} title="{{end}}">`,
		"if.html":        `{{if .A}}<a href="{{end}}x`,
		"if-in-tag.html": `<p{{if .A}} class="x"{{else}} title="y"{{end}}>`,
		// What the browser reads differently from a naive reader.
		"split-name.html":    `<p on{{/* */}}click="{{.X}}">`,
		"split-tag.html":     `<scr{{/* */}}ipt>{{.X}}</script>`,
		"not-the-end.html":   `<script>a</scriptx>{{.X}}</script>`,
		"empty-comment.html": `<!--><script>{{.X}}</script>`,
		"comment2.html":      `<!-- <a href= --><p>{{.Name}}</p>`,
		"bogus.html":         `<! "><script>{{.X}}</script>`,
		"pi.html":            `<? x ?>{{.X}}`,
		"noscript.html":      `<noscript>{{.X}}</noscript>`,
		"iframe.html":        `<iframe>{{.X}}</iframe>`,
		"slash.html":         `<a href=/"{{.X}}">x</a>`,
		"svg.html":           `<svg><style>{{.X}}</style></svg>`,
		"srcdoc.html":        `<iframe srcdoc="{{.X}}"></iframe>`,
		"two-values.html":    `<a href="{{.A}}{{.B}}">x</a>`,
		"scheme.html":        `<a href="java{{.X}}">x</a>`,
		"formaction.html":    `<button formaction="j{{.X}}">x</button>`,
	} {
		if _, err := parseOne(t, name, src); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %q parsed (err %v); want an error naming it", name, src, err)
		}
	}
	// And what is fine next to them.
	for name, src := range map[string]string{
		"after-script.html": `<script>var n = "</scriptx>";</script ><p>{{.Name}}</p>`,
		"doctype.html":      `<!DOCTYPE html><html><body><p>{{.Name}}</p>`,
		"lt.html":           `<p>1 < 2 and {{.Name}}</p>`,
		"attrs.html":        `<input disabled value="{{.Name}}"><td width=100 title="{{.Name}}">`,
		"branches.html":     `{{if .A}}<p class="x">{{else}}<p title="y">{{end}}{{.Name}}</p>`,
		"fixed-scheme.html": `<a href="https://x/{{.A}}/{{.B}}">x</a><a href="/p?q={{.Q}}">y</a>`,
		"text.txt":          `{{if .X}}<b>{{end}} <a href={{.Y}}>`,
	} {
		if _, err := parseOne(t, name, src); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestTemplates_RunErrors: a missing template, a missing field and a
// template without its Subject line are errors, not blank mail.
func TestTemplates_RunErrors(t *testing.T) {
	set, err := ParseTemplates(fstest.MapFS{
		"a.txt": {Data: []byte("Subject: a\n{{.Nope}}")}, "a.html": {Data: []byte("x")},
		"b.txt": {Data: []byte("no subject")}, "b.html": {Data: []byte("x")},
		"c.txt": {Data: []byte("Subject: c\n{{.P.Name}}")}, "c.html": {Data: []byte("x")},
	})
	if err != nil {
		t.Fatal(err)
	}
	type withPtr struct{ P *struct{ Name string } }
	for _, tc := range []struct {
		name string
		data any
		want string
	}{
		{"a", struct{ Name string }{"Ann"}, "has no field Nope"},
		{"a", struct{ nope string }{"x"}, "has no field Nope"},
		{"b", nil, "must start with a Subject: line"},
		{"c", withPtr{}, "nil before .Name"},
		{"missing", nil, "no template missing.txt"},
		{"a", nil, "no data"},
	} {
		if _, err := set.Render(tc.name, "a@example.com", tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s with %#v: err %v; want %q", tc.name, tc.data, err, tc.want)
		}
	}
}

// TestTemplates_KitMailsRender: every kit mail renders with the fields
// its senders give, and says no "<no value>" or error text.
func TestTemplates_KitMailsRender(t *testing.T) {
	data := struct {
		Name, Email, Device, IP, When, Link, LinkText, Detail string
		ByStaff                                               bool
	}{"Ann <x>", "new@example.com", "Chrome on Linux", "192.0.2.1", "1 Dec 2026, 13:00 UTC", "https://auth.example.com/reset#t=1", "", "detail", true}
	n := 0
	for file := range kitTemplates.byFile {
		name, ok := strings.CutSuffix(file, ".txt")
		if !ok {
			continue
		}
		n++
		m, err := Render(name, "ann@example.com", data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.Subject == "" || !strings.Contains(m.Text, "Ann <x>") || !strings.Contains(m.HTML, "Ann &lt;x&gt;") {
			t.Errorf("%s: subject %q, text %q, html %q", name, m.Subject, m.Text, m.HTML)
		}
	}
	if n < 10 {
		t.Fatalf("only %d kit mails", n)
	}
}

// TestTemplates_ConditionsOnInterfaces: {{if}} looks inside an interface,
// as text/template does: a false held in a map[string]any is false.
func TestTemplates_ConditionsOnInterfaces(t *testing.T) {
	set, err := ParseTemplates(fstest.MapFS{
		"m.txt":  {Data: []byte("Subject: s\n{{if .F}}yes{{else}}no{{end}} {{if .Z}}yes{{else}}no{{end}} {{if .T}}yes{{end}}")},
		"m.html": {Data: []byte("x")},
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := set.Render("m", "a@example.com", map[string]any{"F": false, "Z": 0, "T": "t"})
	if err != nil || m.Text != "no no yes" {
		t.Fatalf("got %q, %v", m.Text, err)
	}
	if _, err := set.Render("m", "a@example.com", map[string]any{}); err != nil {
		t.Fatalf("missing keys in an if: %v", err)
	}
	set, err = ParseTemplates(fstest.MapFS{"n.txt": {Data: []byte("Subject: s\n{{.Missing}}")}, "n.html": {Data: []byte("x")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.Render("n", "a@example.com", map[string]any{}); err == nil || !strings.Contains(err.Error(), "no value") {
		t.Fatalf("printing a missing key: %v, want no value", err)
	}
}
