package mail

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"path"
	"reflect"
	"strings"
	"text/template/parse"
)

// Mail templates are written in Go's template syntax and parsed by Go's
// parser (text/template/parse), but run by the small executor in this
// file rather than by text/template or html/template. Those can call any
// method by name through reflection, and a program that links such a call
// makes the linker keep every exported method of every type it has: they
// made the server binary 5.4 MB (18%) bigger, for a dozen mails. The mails
// need fields ({{.Name}}, {{.A.B}}) and {{if}}/{{else if}}/{{else}}; a
// template that uses anything else fails to parse, when the package that
// embeds it loads, so no test run misses it.
//
// In an HTML template every value is escaped for HTML, and a value may
// stand only where that is enough: in text, or in a quoted attribute value
// (html/template's rules for those contexts). A value at the start of a
// link (href, src) must be an http(s) or mailto URL, or it becomes "#".

// Templates are a set of mail templates: for each mail, name.txt (plain
// text, its first line "Subject: …") and name.html. The kit's are in
// server/mail/templates; a module that mails its own news embeds its
// templates and parses them once with MustParseTemplates.
type Templates struct {
	byFile map[string]*mailTemplate // "verify_email.txt"
}

// mailTemplate is one parsed file.
type mailTemplate struct {
	tree *parse.Tree
	html bool
	urls map[*parse.ActionNode]bool // the values that start a link, in an HTML template
}

// ParseTemplates reads every *.txt and *.html at the root of fsys.
func ParseTemplates(fsys fs.FS) (*Templates, error) {
	t := &Templates{byFile: map[string]*mailTemplate{}}
	for _, pattern := range []string{"*.txt", "*.html"} {
		names, err := fs.Glob(fsys, pattern)
		if err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		for _, name := range names {
			src, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("mail: %w", err)
			}
			mt, err := parseTemplate(name, string(src))
			if err != nil {
				return nil, fmt.Errorf("mail: %w", err)
			}
			t.byFile[name] = mt
		}
	}
	return t, nil
}

// MustParseTemplates is ParseTemplates for templates embedded in the
// binary, where a failure is a programming error: it panics.
func MustParseTemplates(fsys fs.FS) *Templates {
	t, err := ParseTemplates(fsys)
	if err != nil {
		panic(err)
	}
	return t
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Render builds the message of the templates named name.
func (t *Templates) Render(name, to string, data any) (Message, error) {
	text, err := t.execute(name+".txt", data)
	if err != nil {
		return Message{}, err
	}
	html, err := t.execute(name+".html", data)
	if err != nil {
		return Message{}, err
	}
	subject, body, ok := strings.Cut(text, "\n")
	if !ok || !strings.HasPrefix(subject, "Subject: ") {
		return Message{}, fmt.Errorf("mail: template %s.txt must start with a Subject: line", name)
	}
	return Message{
		To:      to,
		Subject: strings.TrimPrefix(subject, "Subject: "),
		Text:    strings.TrimLeft(body, "\n"),
		HTML:    html,
	}, nil
}

func (t *Templates) execute(file string, data any) (string, error) {
	mt := t.byFile[file]
	if mt == nil {
		return "", fmt.Errorf("mail: no template %s", file)
	}
	var out bytes.Buffer
	if err := mt.run(&out, reflect.ValueOf(data), mt.tree.Root); err != nil {
		return "", fmt.Errorf("mail: template %s: %w", file, err)
	}
	return out.String(), nil
}

// parseTemplate parses one file and checks that the executor can run it.
func parseTemplate(name, src string) (*mailTemplate, error) {
	// No functions are given, so the parser itself refuses calls
	// ({{printf …}}, {{len …}}).
	trees, err := parse.Parse(name, src, "", "")
	if err != nil {
		return nil, err
	}
	if len(trees) != 1 || trees[name] == nil {
		return nil, fmt.Errorf("%s: {{define}} and {{block}} are not supported in mail templates", name)
	}
	mt := &mailTemplate{tree: trees[name], html: path.Ext(name) == ".html", urls: map[*parse.ActionNode]bool{}}
	var at htmlContext
	if err := mt.check(mt.tree.Root, &at); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return mt, nil
}

// check refuses what the executor cannot run and, in an HTML template, a
// value where escaping it is not enough. at follows the HTML around it.
func (mt *mailTemplate) check(node parse.Node, at *htmlContext) error {
	switch n := node.(type) {
	case *parse.ListNode:
		for _, c := range n.Nodes {
			if err := mt.check(c, at); err != nil {
				return err
			}
		}
	case *parse.TextNode:
		if mt.html {
			return at.read(n.Text)
		}
	case *parse.ActionNode:
		if _, err := pipeField(n.Pipe); err != nil {
			return err
		}
		if mt.html {
			return mt.checkValue(n, at)
		}
	case *parse.IfNode:
		if _, err := pipeField(n.Pipe); err != nil {
			return err
		}
		if mt.html && at.state != inText {
			return fmt.Errorf("%s: an {{if}} may only stand in text, not inside a tag (it is in %s)", n, at.state)
		}
		// Both branches start where the {{if}} is and must end in the
		// same place, or what follows could be read two ways.
		before := *at
		if err := mt.check(n.List, at); err != nil {
			return err
		}
		if n.ElseList != nil {
			afterIf := *at
			*at = before
			if err := mt.check(n.ElseList, at); err != nil {
				return err
			}
			if *at != afterIf {
				return fmt.Errorf("%s: its branches end in different places of the HTML", n)
			}
		} else if *at != before {
			return fmt.Errorf("%s: it leaves the HTML in another place than it found it", n)
		}
	default:
		return fmt.Errorf("%s is not supported in mail templates: only {{.Field}} and {{if}}/{{else}}", node)
	}
	return nil
}

// checkValue checks where a value stands in an HTML template, and marks
// it when it starts a link.
func (mt *mailTemplate) checkValue(n *parse.ActionNode, at *htmlContext) error {
	switch {
	case at.state == inText:
		return nil
	case at.state != inValue:
		return fmt.Errorf("%s: a value may only stand in text or in a quoted attribute value (it is in %s)", n, at.state)
	case at.attr == "style" || at.attr == "srcdoc" || strings.HasPrefix(at.attr, "on"):
		return fmt.Errorf("%s: a value may not stand in a style, srcdoc or event handler attribute (%s)", n, at.attr)
	case !isURLAttr(at.attr):
	case at.valueEmpty:
		mt.urls[n] = true
	case !at.urlFixed:
		// "java{{.X}}" or "{{.A}}{{.B}}": the values could still make
		// the scheme.
		return fmt.Errorf("%s: in a link (%s), a value must come first, or after the text that fixes its scheme (a ':', '/', '?' or '#')", n, at.attr)
	}
	at.valueEmpty = false
	return nil
}

// isURLAttr reports whether an attribute holds a URL, by html/template's
// rule: the attributes HTML defines so, and any whose name speaks of one.
func isURLAttr(name string) bool {
	switch name {
	case "action", "background", "cite", "codebase", "data", "formaction", "href", "icon",
		"longdesc", "manifest", "ping", "poster", "profile", "src", "srcset", "usemap", "xmlns":
		return true
	}
	name = strings.TrimPrefix(strings.TrimPrefix(name, "data-"), "xlink:")
	return name == "href" || strings.Contains(name, "src") || strings.Contains(name, "uri") || strings.Contains(name, "url")
}

// pipeField returns the field a pipeline names, the only pipeline the
// executor runs: {{.Name}}, not {{$x := .Name}}, {{.Name | f}} or {{3}}.
func pipeField(pipe *parse.PipeNode) (*parse.FieldNode, error) {
	if len(pipe.Decl) == 0 && len(pipe.Cmds) == 1 && len(pipe.Cmds[0].Args) == 1 {
		if f, ok := pipe.Cmds[0].Args[0].(*parse.FieldNode); ok {
			return f, nil
		}
	}
	return nil, fmt.Errorf("{{%s}} is not supported in mail templates: only a field, such as {{.Name}}", pipe)
}

// run writes node with data.
func (mt *mailTemplate) run(out *bytes.Buffer, data reflect.Value, node parse.Node) error {
	switch n := node.(type) {
	case *parse.ListNode:
		for _, c := range n.Nodes {
			if err := mt.run(out, data, c); err != nil {
				return err
			}
		}
	case *parse.TextNode:
		out.Write(n.Text)
	case *parse.ActionNode:
		v, err := lookup(data, n.Pipe)
		if err != nil {
			return err
		}
		if !v.IsValid() || (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) && v.IsNil() {
			return fmt.Errorf("%s: no value", n)
		}
		s := fmt.Sprint(v.Interface())
		if mt.html {
			if mt.urls[n] && !safeURL(s) {
				s = "#"
			}
			s = html.EscapeString(s)
		}
		out.WriteString(s)
	case *parse.IfNode:
		v, err := lookup(data, n.Pipe)
		if err != nil {
			return err
		}
		if truth(v) {
			return mt.run(out, data, n.List)
		}
		if n.ElseList != nil {
			return mt.run(out, data, n.ElseList)
		}
	}
	return nil
}

// lookup follows the pipeline's field through structs, pointers and maps
// with string keys.
func lookup(data reflect.Value, pipe *parse.PipeNode) (reflect.Value, error) {
	f, err := pipeField(pipe)
	if err != nil {
		return reflect.Value{}, err
	}
	v := data
	if !v.IsValid() {
		return reflect.Value{}, fmt.Errorf("%s: no data", f)
	}
	for _, name := range f.Ident {
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				return reflect.Value{}, fmt.Errorf("%s: nil before .%s", f, name)
			}
			v = v.Elem()
		}
		switch v.Kind() {
		case reflect.Struct:
			sf, ok := v.Type().FieldByName(name)
			if !ok || !sf.IsExported() {
				return reflect.Value{}, fmt.Errorf("%s: %s has no field %s", f, v.Type(), name)
			}
			if v, err = v.FieldByIndexErr(sf.Index); err != nil {
				return reflect.Value{}, fmt.Errorf("%s: %w", f, err)
			}
		case reflect.Map:
			if v.Type().Key().Kind() != reflect.String {
				return reflect.Value{}, fmt.Errorf("%s: %s is not keyed by strings", f, v.Type())
			}
			if e := v.MapIndex(reflect.ValueOf(name).Convert(v.Type().Key())); e.IsValid() {
				v = e
			} else {
				v = reflect.Zero(v.Type().Elem())
			}
		default:
			return reflect.Value{}, fmt.Errorf("%s: %s has no fields", f, v.Type())
		}
	}
	return v, nil
}

// truth is text/template's: false, 0, nil, and empty strings, slices and
// maps are false; anything else is true.
func truth(v reflect.Value) bool {
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Invalid:
		return false
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() > 0
	case reflect.Chan, reflect.Func, reflect.Interface, reflect.Pointer, reflect.UnsafePointer:
		return !v.IsNil()
	case reflect.Struct:
		return true
	default:
		return !v.IsZero()
	}
}

// safeURL reports whether a link's value may stay: an http(s) or mailto
// URL, as html/template allows.
func safeURL(s string) bool {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok || strings.ContainsAny(scheme, "/?#") {
		return true // no scheme: a relative URL
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "mailto":
		return true
	}
	return false
}

// htmlContext is where a reader of an HTML template has got to: a
// tokenizer, after the HTML standard's, for the subset mail needs. It
// reads a byte at a time and keeps no look-ahead, so text split by a
// value, a {{/* comment */}} or an {{if}} reads as it would whole.
// What it does not follow exactly (HTML comments, <!…> other than the
// doctype, <?…>, SVG and MathML, whose rules differ) it refuses: a
// reader that lost its place could take a script for text.
type htmlContext struct {
	state      htmlState
	name       string // the tag or attribute name being read, lower case
	endTag     bool   // the tag being read closes one
	tag        string // the open raw text element (script, style, …)
	attr       string // the attribute whose value is being read
	quote      byte   // the quote of that value
	valueEmpty bool   // only spaces of the value read yet
	urlFixed   bool   // its scheme is fixed: a ':', '/', '?' or '#' read
	seen       int    // how much of "</"+tag, or of "<!doctype", has been read
}

type htmlState uint8

const (
	inText        htmlState = iota
	inTagOpen               // after '<'
	inTagName               // <name or </name
	inBeforeAttr            // in a tag, between attributes
	inAttrName              // name
	inAfterAttr             // name, then spaces
	inBeforeValue           // name=
	inValue                 // name="…" or name='…'
	inUnquoted              // name=…
	inDoctype               // <!doctype …>
	inRawText               // the content of a script, style, textarea or title, till its end tag
)

func (s htmlState) String() string {
	return [...]string{"text", "a tag's start", "a tag's name", "a tag", "an attribute's name",
		"a tag", "an attribute", "a quoted attribute value", "an unquoted attribute value",
		"the doctype", "raw text (a script, a style, a textarea or a title)"}[s]
}

// rawText are the elements whose content is not HTML. (plaintext never
// ends; xmp, noembed, noframes, iframe and noscript are raw text too.)
var rawText = map[string]bool{"script": true, "style": true, "textarea": true, "title": true,
	"xmp": true, "iframe": true, "noembed": true, "noframes": true, "noscript": true, "plaintext": true}

// read moves the context over text, or refuses it.
func (c *htmlContext) read(text []byte) error {
	for _, b := range text {
		if err := c.step(b, asciiLower(b)); err != nil {
			return err
		}
	}
	return nil
}

func (c *htmlContext) step(b, lower byte) error {
	switch c.state {
	case inText:
		if b == '<' {
			c.state, c.endTag = inTagOpen, false
		}
	case inTagOpen:
		switch {
		case isLetter(b):
			c.state, c.name = inTagName, string(lower)
		case b == '/' && !c.endTag:
			c.endTag = true
		case b == '!' && !c.endTag:
			c.state, c.seen = inDoctype, 2 // "<!" of "<!doctype"
		case b == '?' || b == '!' || c.endTag:
			return fmt.Errorf("%q after '<' is not supported in mail templates (only tags and <!doctype html>)", b)
		default:
			c.state = inText // "a < b": text
		}
	case inTagName:
		switch {
		case isSpace(b) || b == '/':
			return c.tagNamed(inBeforeAttr)
		case b == '>':
			return c.tagNamed(inText)
		default:
			c.name += string(lower)
		}
	case inBeforeAttr, inAfterAttr:
		switch {
		case isSpace(b) || b == '/':
			c.state = inBeforeAttr
		case b == '>':
			c.endOfTag()
		case b == '=' && c.state == inAfterAttr:
			c.state = inBeforeValue
		default:
			c.state, c.name = inAttrName, string(lower)
		}
	case inAttrName:
		switch {
		case isSpace(b):
			c.state, c.attr = inAfterAttr, c.name
		case b == '/':
			c.state = inBeforeAttr
		case b == '>':
			c.endOfTag()
		case b == '=':
			c.state, c.attr = inBeforeValue, c.name
		default:
			c.name += string(lower)
		}
	case inBeforeValue:
		switch {
		case isSpace(b):
		case b == '"' || b == '\'':
			c.state, c.quote, c.valueEmpty, c.urlFixed = inValue, b, true, false
		case b == '>':
			c.endOfTag()
		default:
			c.state = inUnquoted
		}
	case inValue:
		switch {
		case b == c.quote:
			c.state, c.attr, c.quote = inBeforeAttr, "", 0
		case b > ' ':
			c.valueEmpty = false
			c.urlFixed = c.urlFixed || strings.IndexByte(":/?#", b) >= 0
		}
	case inUnquoted:
		switch {
		case isSpace(b):
			c.state = inBeforeAttr
		case b == '>':
			c.endOfTag()
		}
	case inDoctype:
		const doctype = "<!doctype"
		switch {
		case c.seen < len(doctype) && lower == doctype[c.seen]:
			c.seen++
		case c.seen < len(doctype):
			return errors.New("<! is supported only as <!doctype html> in mail templates (no HTML comments: use {{/* … */}})")
		case b == '>':
			c.state = inText
		}
	case inRawText:
		end := "</" + c.tag
		switch {
		case c.seen == len(end) && (isSpace(b) || b == '/' || b == '>'):
			c.state, c.name, c.endTag, c.tag = inTagName, c.tag, true, ""
			return c.step(b, lower)
		case c.seen < len(end) && lower == end[c.seen]:
			c.seen++
		default:
			c.seen = 0
			if b == '<' {
				c.seen = 1
			}
		}
	}
	return nil
}

// tagNamed ends a tag's name and goes on in state.
func (c *htmlContext) tagNamed(state htmlState) error {
	if !c.endTag && (c.name == "svg" || c.name == "math") {
		return fmt.Errorf("<%s> is not supported in mail templates (its content follows other rules)", c.name)
	}
	c.tag, c.state = "", inBeforeAttr
	if !c.endTag && rawText[c.name] {
		c.tag = c.name
	}
	if state == inText {
		c.endOfTag()
	}
	return nil
}

// endOfTag goes on after a tag's '>': into its raw text, or text.
func (c *htmlContext) endOfTag() {
	c.state, c.name, c.attr, c.endTag, c.seen = inText, "", "", false, 0
	if c.tag != "" {
		c.state = inRawText
	}
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

func asciiLower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' }
